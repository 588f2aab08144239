import { DtsError } from "#core/errors.ts";
import type { Ticker } from "#core/fullload/chunk-heartbeat.ts";
import type { Phase } from "#core/model/phase.ts";
import { redactText } from "#core/redact.ts";
import { EXIT, explainEnvironment } from "./errors.ts";
import { type IncrementalSample, renderFrame, SAMPLES, type WatchedTask } from "./watch-frame.ts";

/** Where frames go: a terminal (redrawn in place) or a pipe or file (a new block per refresh). */
export interface WatchOutput {
  isTTY?: boolean;
  /** The terminal's width: longer lines are cut so none wraps and breaks the redraw. */
  columns?: number;
  write(text: string): unknown;
}

/** Tells the watch that the user wants it to stop (Ctrl-C); returns a function that stops listening. */
export interface InterruptSource {
  onInterrupt(handler: () => void): () => void;
}

/** SIGINT (Ctrl-C) and SIGTERM of this process. */
export const processInterrupts: InterruptSource = {
  onInterrupt(handler) {
    process.on("SIGINT", handler);
    process.on("SIGTERM", handler);
    return () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    };
  },
};

/** Timers that keep the process alive: the watch has nothing else running while it waits. */
export const watchTicker: Ticker = {
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    return () => clearInterval(timer);
  },
};

/** Phases after which nothing changes without an operator: watching stops, with this exit code. */
const ENDED: Partial<Record<Phase, number>> = {
  completed: EXIT.ok,
  failed: EXIT.failed,
  "precheck-failed": EXIT.failed,
};

// Alternate screen (the shell's screen comes back as it was), cursor hidden, home, erase.
const ESC = {
  enter: "\x1b[?1049h\x1b[?25l",
  leave: "\x1b[?25h\x1b[?1049l",
  home: "\x1b[H",
  eraseLine: "\x1b[K",
  eraseBelow: "\x1b[J",
} as const;

/** Draws frames: in place on a terminal, one block after the other elsewhere. */
class Screen {
  private open = false;

  constructor(private readonly out: WatchOutput) {}

  draw(lines: string[]): void {
    if (!this.out.isTTY) {
      this.out.write(`${lines.join("\n")}\n\n`);
      return;
    }
    if (!this.open) this.out.write(ESC.enter);
    this.open = true;
    const width = this.out.columns && this.out.columns > 0 ? this.out.columns : Number.POSITIVE_INFINITY;
    const cut = lines.map((line) => [...line].slice(0, width).join(""));
    this.out.write(
      `${ESC.home}${cut.map((line) => `${line}${ESC.eraseLine}`).join("\n")}\n${ESC.eraseBelow}`,
    );
  }

  /** Back to the shell's screen with the cursor shown; `lines` stay there (a block, as elsewhere). */
  close(lines: string[] | undefined): void {
    if (this.open) this.out.write(ESC.leave);
    this.open = false;
    if (lines) this.out.write(`${lines.join("\n")}\n`);
  }
}

export interface WatchOptions {
  name: string;
  /** Reads the task; undefined once it no longer exists. */
  read: () => Promise<WatchedTask | undefined>;
  out: WatchOutput;
  ticker: Ticker;
  interrupts: InterruptSource;
  now: () => number;
  intervalMs: number;
}

const redactLines = (lines: string[]) => lines.map((line) => redactText(line));

/**
 * `dts status <task> --watch`: draws the task every `intervalMs` until Ctrl-C (exit 0) or until it
 * ends: completed (exit 0), failed or precheck-failed (exit 1), with its final state printed. A
 * paused task is watched on: it may be resumed from another terminal or the API. A read that fails
 * (the store unreachable for a moment) keeps the last frame with the error and tries again.
 */
export async function watchTask(options: WatchOptions): Promise<number> {
  const { out, intervalMs, now } = options;
  // The first read fails as `dts status` does: a missing task or stack is one clear line.
  const first = await options.read();
  if (!first)
    throw new DtsError(`no task named ${options.name}: start it with \`dts run <spec.json>\` first`);
  const samples: IncrementalSample[] = [];
  let lastReport: string | undefined;
  const record = (task: WatchedTask) => {
    const incremental = task.view.incremental;
    // One sample per tailer report: refreshing faster than it reports adds no points.
    if (!incremental || incremental.updatedAt === lastReport) return;
    lastReport = incremental.updatedAt;
    samples.push({ latencyMs: incremental.latencyMs, rowsPerSecond: incremental.rowsPerSecond });
    if (samples.length > SAMPLES) samples.shift();
  };
  record(first);

  const screen = new Screen(out);
  let current = first;
  let readError: string | undefined;
  const frame = (final: boolean) =>
    redactLines(renderFrame(current, samples, { now: now(), intervalMs, final, readError }));

  const ended = ENDED[first.view.phase];
  if (ended !== undefined) {
    out.write(`${frame(true).join("\n")}\n`);
    return ended;
  }

  return new Promise<number>((resolve, reject) => {
    let done = false;
    let reading = false;
    const stops: (() => void)[] = [];
    const finish = (code: number, lines: string[] | undefined) => {
      if (done) return;
      done = true;
      for (const stop of stops) stop();
      screen.close(lines);
      resolve(code);
    };
    const refresh = async () => {
      if (reading || done) return;
      reading = true;
      try {
        const task = await options.read();
        if (done) return;
        if (!task) {
          finish(EXIT.failed, [...frame(true), `Task ${options.name} no longer exists (deleted).`]);
          return;
        }
        current = task;
        readError = undefined;
        record(task);
      } catch (error) {
        const known = explainEnvironment(error) ?? error;
        readError = `could not read the task: ${known instanceof Error ? known.message : String(known)}`;
      } finally {
        reading = false;
      }
      if (done) return;
      const code = ENDED[current.view.phase];
      if (code !== undefined) finish(code, frame(true));
      else screen.draw(frame(false));
    };
    const fail = (error: unknown) => {
      if (done) return;
      done = true;
      for (const stop of stops) stop();
      screen.close(undefined);
      reject(error);
    };
    // On a terminal the last frame stays on the shell's screen; a pipe has it already.
    stops.push(options.interrupts.onInterrupt(() => finish(EXIT.ok, out.isTTY ? frame(true) : undefined)));
    stops.push(options.ticker.every(intervalMs, () => void refresh().catch(fail)));
    try {
      screen.draw(frame(false));
    } catch (error) {
      fail(error);
    }
  });
}
