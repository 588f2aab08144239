import type { TaskView } from "#core/api/view.ts";
import type { DtsConfig } from "#core/config.ts";
import { DtsError, SpecError } from "#core/errors.ts";
import { precheckLine, renderPrecheckReport } from "#core/precheck/render.ts";
import { redact, redactText } from "#core/redact.ts";
import type { TaskRecord } from "#core/store/task-store.ts";
import { EXIT } from "./errors.ts";
import { cliTasks } from "./tasks.ts";

function fullLoadLine(fullLoad: NonNullable<TaskView["fullLoad"]>): string {
  const { rowsCopied, estimatedRows, chunks, chunksDone, completedAt } = fullLoad;
  if (completedAt) {
    const filtered = estimatedRows - rowsCopied;
    const note = filtered > 0 ? ` (${filtered} left out by filters)` : "";
    return `Full load ${rowsCopied} rows copied${note}, chunks ${chunksDone}/${chunks}, done at ${completedAt}`;
  }
  const percent = Math.floor((rowsCopied / Math.max(estimatedRows, rowsCopied, 1)) * 100);
  return `Full load ${rowsCopied}/${estimatedRows} rows (${percent}%), chunks ${chunksDone}/${chunks}, in progress`;
}

/** The task's view as lines; the precheck report (all of it when it failed) comes from the record. */
function statusLines(view: TaskView, precheck: TaskRecord["precheck"]): string[] {
  const lines = [
    `Task      ${view.name}`,
    `Phase     ${view.phase}`,
    `Types     ${view.migrationTypes.join(" + ")}`,
    `Created   ${view.createdAt}`,
    `Updated   ${view.updatedAt}`,
  ];
  if (view.position) {
    const gtid = view.position.gtid ? ` (GTID ${view.position.gtid})` : "";
    lines.push(
      `Position  ${view.position.file}:${view.position.position}${gtid}, captured ${view.position.capturedAt}`,
    );
  }
  if (view.schema) {
    lines.push(
      `Schema    ${view.schema.tables.length} table(s) created, ${view.schema.completedAt ?? "not finished"}`,
    );
    for (const note of view.schema.notes) lines.push(`          note: ${note}`);
  }
  if (view.fullLoad) lines.push(fullLoadLine(view.fullLoad));
  if (view.indexes) {
    const { tables, startedAt, pending, completedAt } = view.indexes;
    lines.push(
      completedAt
        ? `Indexes   secondary indexes of ${tables} table(s) built, done at ${completedAt}`
        : `Indexes   building secondary indexes of ${tables} table(s) since ${startedAt}; not done yet: ${pending.join(", ")}`,
    );
  }
  if (view.incremental) {
    const i = view.incremental;
    lines.push(
      `Incremental applied to ${i.position.file}:${i.position.position}, latency ${i.latencyMs} ms, ${i.rowsPerSecond} rows/s, ${i.appliedRows} rows since start (${i.updatedAt})`,
    );
    if (i.warning) lines.push(`Warning   ${i.warning}`);
  }
  if (view.lastError) {
    lines.push(`Error     ${view.lastError.error}: ${view.lastError.cause} (at ${view.lastError.at})`);
  }
  if (precheck?.passed) lines.push(`${precheckLine(precheck)} (${precheck.finishedAt})`);
  else if (precheck) lines.push("", renderPrecheckReport(precheck));
  return lines;
}

export interface StatusOptions {
  json?: boolean;
  watch?: boolean;
  /** Seconds between two refreshes of --watch, as typed. */
  interval?: string;
}

/** The refresh interval of --watch in milliseconds (2 s unless --interval says otherwise). */
export function watchIntervalMs(options: StatusOptions): number {
  if (options.interval === undefined) return 2000;
  if (!options.watch) {
    throw new SpecError("--interval sets how often --watch refreshes: add --watch, or leave --interval out");
  }
  const seconds = Number(options.interval);
  if (options.interval.trim() === "" || !Number.isFinite(seconds) || seconds < 0.5 || seconds > 3600) {
    throw new SpecError(
      `--interval takes a number of seconds from 0.5 to 3600, not "${options.interval}" (e.g. --interval 5)`,
    );
  }
  return seconds * 1000;
}

/**
 * `dts status <task-name> [--json] [--watch [--interval <seconds>]]`: the task as the API's view
 * shows it; --json prints its record; --watch redraws it until Ctrl-C or until it ends (cli/watch.ts).
 */
export async function statusCommand(
  name: string,
  options: StatusOptions,
  config: DtsConfig,
): Promise<number> {
  const intervalMs = watchIntervalMs(options);
  if (options.watch && options.json) {
    throw new SpecError(
      "--watch draws the task for a person to read; for JSON, run `dts status <task> --json` again (or GET /tasks/{name}) as often as needed",
    );
  }
  const { tasks } = cliTasks(config);
  if (options.watch) {
    const { watchTask, processInterrupts, watchTicker } = await import("./watch.ts");
    return watchTask({
      name,
      read: async () => {
        const task = await tasks.find(name);
        return task ? { view: await tasks.view(task), precheck: task.precheck } : undefined;
      },
      out: process.stdout,
      ticker: watchTicker,
      interrupts: processInterrupts,
      now: Date.now,
      intervalMs,
    });
  }
  const task = await tasks.find(name);
  if (!task) throw new DtsError(`no task named ${name}: start it with \`dts run <spec.json>\` first`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(redact(task), null, 2)}\n`);
    return EXIT.ok;
  }
  const view = await tasks.view(task);
  process.stdout.write(`${redactText(statusLines(view, task.precheck).join("\n"))}\n`);
  return EXIT.ok;
}
