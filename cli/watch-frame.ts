import type { TaskView } from "#core/api/view.ts";
import { precheckLine, renderPrecheckReport } from "#core/precheck/render.ts";
import type { TaskRecord } from "#core/store/task-store.ts";

/** What `dts status --watch` draws one frame from: the task's view and its precheck report. */
export interface WatchedTask {
  view: TaskView;
  precheck: TaskRecord["precheck"];
}

/** One report of the tailer (a new `incremental.updatedAt`): what the sparklines plot. */
export interface IncrementalSample {
  latencyMs: number;
  rowsPerSecond: number;
}

const BLOCKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] as const;

/**
 * The last `width` values as a line of block characters, heights proportional to the value
 * (zero and below is the lowest block, the largest value the highest). Scaled from zero rather
 * than from the smallest value: a steady 30 s latency must not look like a steady 0 ms one.
 */
export function sparkline(values: readonly number[], width = values.length): string {
  const shown = width > 0 ? values.slice(-width).map((v) => (Number.isFinite(v) ? Math.max(0, v) : 0)) : [];
  const top = Math.max(0, ...shown);
  if (top === 0) return BLOCKS[0].repeat(shown.length);
  const last = BLOCKS.length - 1;
  return shown.map((v) => BLOCKS[Math.min(last, Math.round((v / top) * last))]).join("");
}

/** A bar of `width` cells, `fraction` (0..1) of them full. */
export function progressBar(fraction: number, width: number): string {
  const full = Math.round(Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0)) * width);
  return `${"█".repeat(full)}${"░".repeat(width - full)}`;
}

/** 850 ms, 4.2 s, 3 min 20 s, 2 h 5 min. */
export function duration(ms: number): string {
  const value = Math.max(0, ms);
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${(value / 1000).toFixed(1)} s`;
  const minutes = Math.floor(value / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.floor((value % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const count = (n: number) => n.toLocaleString("en-US");
const LABEL = 13;
const label = (name: string) => name.padEnd(LABEL);
const indent = " ".repeat(LABEL);
const BAR = 30;
/** How many tailer reports the sparklines show (the watch keeps no more). */
export const SAMPLES = 40;

function fullLoadLines(fullLoad: NonNullable<TaskView["fullLoad"]>): string[] {
  const { rowsCopied, estimatedRows, chunks, chunksDone, rowsPerSecond, completedAt, percent } = fullLoad;
  const bar = `[${progressBar(percent / 100, BAR)}] ${String(percent).padStart(3)}%`;
  if (completedAt) {
    return [
      `${label("Full load")}${bar}  ${count(rowsCopied)} rows copied`,
      `${indent}chunks ${chunksDone}/${chunks}, ${count(rowsPerSecond)} rows/s on average, done at ${completedAt}`,
    ];
  }
  const left = Math.max(0, estimatedRows - rowsCopied);
  const eta = rowsPerSecond > 0 ? `, ETA ${duration((left / rowsPerSecond) * 1000)}` : "";
  return [
    `${label("Full load")}${bar}  ${count(rowsCopied)} / ${count(estimatedRows)} rows (estimated)`,
    `${indent}chunks ${chunksDone}/${chunks}, ${count(rowsPerSecond)} rows/s on average${eta}`,
  ];
}

function indexLines(indexes: NonNullable<TaskView["indexes"]>): string[] {
  if (indexes.completedAt) {
    return [
      `${label("Indexes")}secondary indexes of ${indexes.tables} table(s) built at ${indexes.completedAt}`,
    ];
  }
  const shown = indexes.pending.slice(0, 5).join(", ");
  const more = indexes.pending.length > 5 ? ` and ${indexes.pending.length - 5} more` : "";
  return [
    `${label("Indexes")}building secondary indexes of ${indexes.tables} table(s) since ${indexes.startedAt}`,
    `${indent}${indexes.pending.length} pending: ${shown}${more}`,
  ];
}

function incrementalLines(
  incremental: NonNullable<TaskView["incremental"]>,
  samples: readonly IncrementalSample[],
  now: number,
): string[] {
  const shown = samples.slice(-SAMPLES);
  const latencies = shown.map((s) => s.latencyMs);
  const rates = shown.map((s) => s.rowsPerSecond);
  const at = `${incremental.position.file}:${incremental.position.position}`;
  const age = duration(now - Date.parse(incremental.updatedAt));
  const lines = [
    `${label("Latency")}${duration(incremental.latencyMs).padEnd(12)}${sparkline(latencies)}  max ${duration(Math.max(0, ...latencies))}`,
    `${label("Rows/s")}${count(incremental.rowsPerSecond).padEnd(12)}${sparkline(rates)}  max ${count(Math.max(0, ...rates))}`,
    `${label("Applied")}${count(incremental.appliedRows)} rows up to ${at}, reported ${age} ago`,
  ];
  if (incremental.warning) lines.push(`${label("Warning")}${incremental.warning}`);
  return lines;
}

/** How the frame ends: the live footer, or why watching stopped. */
function phaseNote(view: TaskView): string | undefined {
  if (view.phase === "paused") return `paused: \`dts resume ${view.name}\` goes on from where it stopped`;
  if (view.phase === "failed") return `failed: \`dts resume ${view.name}\` goes on from where it stopped`;
  if (view.phase === "precheck-failed")
    return "precheck failed: fix what the report names, then run the task again";
  return undefined;
}

export interface FrameOptions {
  now: number;
  intervalMs: number;
  /** The last frame, printed once watching stops: no footer, and a failed precheck's whole report. */
  final?: boolean;
  /** Why the last read failed (the frame shows the view read before). */
  readError?: string | undefined;
}

/** One frame of `dts status <task> --watch`, as lines (no escape codes: the screen adds them). */
export function renderFrame(
  task: WatchedTask,
  samples: readonly IncrementalSample[],
  options: FrameOptions,
): string[] {
  const { view, precheck } = task;
  const clock = new Date(options.now).toISOString().slice(11, 19);
  const lines = [
    options.final
      ? `Task ${view.name} at ${clock} UTC`
      : `Task ${view.name} at ${clock} UTC, every ${duration(options.intervalMs)}`,
  ];
  const note = phaseNote(view);
  lines.push(`${label("Phase")}${view.phase}${note ? ` (${note})` : ""}`);
  if (view.position) lines.push(`${label("Position")}${view.position.file}:${view.position.position}`);
  if (view.fullLoad) lines.push(...fullLoadLines(view.fullLoad));
  if (view.indexes) lines.push(...indexLines(view.indexes));
  if (view.incremental) lines.push(...incrementalLines(view.incremental, samples, options.now));
  if (view.lastError) {
    const e = view.lastError;
    lines.push(`${label("Error")}${e.error}: ${e.cause} (at ${e.at})`);
  }
  if (options.readError) {
    lines.push(`${label("Unreadable")}${options.readError}; showing what was read before`);
  }
  if (precheck && options.final && !precheck.passed)
    lines.push("", ...renderPrecheckReport(precheck).split("\n"));
  else if (precheck) lines.push(`${label("Precheck")}${precheckLine(precheck)}`);
  if (!options.final) lines.push("", "Ctrl-C stops watching; the task goes on (`dts pause` pauses it)");
  return lines;
}
