import { describe, expect, it } from "vitest";
import type { TaskView } from "#core/api/view.ts";
import type { DtsConfig } from "#core/config.ts";
import { DtsError, SpecError } from "#core/errors.ts";
import type { Ticker } from "#core/fullload/chunk-heartbeat.ts";
import type { PrecheckReport } from "#core/model/precheck-report.ts";
import { statusCommand, watchIntervalMs } from "../../cli/status.ts";
import { type InterruptSource, watchTask } from "../../cli/watch.ts";
import { duration, progressBar, renderFrame, sparkline, type WatchedTask } from "../../cli/watch-frame.ts";

const NOW = Date.UTC(2031, 0, 1, 12, 0, 0);
const at = (seconds: number) => new Date(NOW + seconds * 1000).toISOString();

function view(overrides: Partial<TaskView> = {}): TaskView {
  return {
    name: "orders",
    phase: "full-load",
    migrationTypes: ["schema", "full", "incremental"],
    createdAt: at(-600),
    updatedAt: at(-1),
    progressPercent: null,
    rows: 0,
    latencySeconds: null,
    lastError: null,
    running: { executions: [], tailer: null },
    precheck: null,
    position: { file: "bin.000003", position: 4, capturedAt: at(-590) },
    schema: null,
    fullLoad: null,
    indexes: null,
    incremental: null,
    spec: {},
    ...overrides,
  };
}

const loading = (rowsCopied: number, chunksDone: number): TaskView =>
  view({
    fullLoad: {
      percent: Math.floor(rowsCopied / 10_000),
      rowsCopied,
      estimatedRows: 1_000_000,
      chunks: 100,
      chunksDone,
      rowsPerSecond: 50_000,
      startedAt: at(-60),
      completedAt: null,
      tables: [],
    },
  });

const tailing = (latencyMs: number, rowsPerSecond: number, reportedAt: number, warning?: string): TaskView =>
  view({
    phase: "incremental",
    incremental: {
      position: { file: "bin.000004", position: 1200 },
      latencyMs,
      rowsPerSecond,
      appliedRows: 5000,
      updatedAt: at(reportedAt),
      ...(warning ? { warning } : {}),
    },
  });

const failedPrecheck: PrecheckReport = {
  task: "orders",
  passed: false,
  counts: { pass: 3, warn: 0, fail: 1, skipped: 0 },
  checks: [
    {
      id: "source.binlog_format",
      title: "binlog format",
      status: "fail",
      detail: "binlog_format is STATEMENT",
      fix: "SET GLOBAL binlog_format = ROW",
    },
  ],
  facts: {},
  startedAt: at(-5),
  finishedAt: at(-4),
};

/** A store answering from a script of reads, a ticker and Ctrl-C the test fires, a captured output. */
function harness(reads: (WatchedTask | undefined | Error)[], out: { isTTY: boolean; columns?: number }) {
  let clock = NOW;
  let tick: (() => void) | undefined;
  let interrupt: (() => void) | undefined;
  const state = { tickerStopped: false, listening: false, intervalMs: 0, reads: 0 };
  const written: string[] = [];
  const ticker: Ticker = {
    every(ms, fn) {
      state.intervalMs = ms;
      tick = fn;
      return () => {
        state.tickerStopped = true;
      };
    },
  };
  const interrupts: InterruptSource = {
    onInterrupt(handler) {
      interrupt = handler;
      state.listening = true;
      return () => {
        state.listening = false;
      };
    },
  };
  let exit: number | undefined;
  const settle = () => new Promise((r) => setImmediate(r));
  /** Starts watching and waits for the first frame; `done` is the exit code. */
  const start = async () => {
    const done = watchTask({
      name: "orders",
      read: async () => {
        const next = reads[Math.min(state.reads++, reads.length - 1)];
        if (next instanceof Error) throw next;
        return next;
      },
      out: { ...out, write: (text: string) => written.push(text) },
      ticker,
      interrupts,
      now: () => clock,
      intervalMs: 2000,
    });
    done.then(
      (code) => {
        exit = code;
      },
      () => undefined,
    );
    await settle();
    return { done };
  };
  return {
    start,
    state,
    written,
    output: () => written.join(""),
    exit: () => exit,
    /** The next refresh: 2 s later, one read, one frame. */
    tick: async () => {
      clock += 2000;
      tick?.();
      await settle();
    },
    interrupt: async () => {
      interrupt?.();
      await settle();
    },
  };
}

/** Cursor home: a redraw starts there. */
const HOME = "\x1b[H";
/** An ANSI escape sequence (the test strips them to count what shows). */
const ESCAPES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, "g");

const task = (v: TaskView, precheck?: PrecheckReport): WatchedTask => ({ view: v, precheck });

describe("sparkline", () => {
  it("draws each value as a block from lowest to highest, scaled from zero", () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([30_000, 30_000, 15_000])).toBe("██▅");
  });

  it("keeps the last `width` values; zeros, negatives and NaN are the lowest block; none is empty", () => {
    expect(sparkline([9, 0, 0, 7], 2)).toBe("▁█");
    expect(sparkline([0, 0, 0])).toBe("▁▁▁");
    expect(sparkline([-5, Number.NaN, 10])).toBe("▁▁█");
    expect(sparkline([])).toBe("");
    expect(sparkline([1, 2], 0)).toBe("");
  });
});

describe("progress bar and durations", () => {
  it("fills the share of cells done, never more than all of them", () => {
    expect(progressBar(0.5, 10)).toBe("█████░░░░░");
    expect(progressBar(0, 4)).toBe("░░░░");
    expect(progressBar(1.7, 4)).toBe("████");
  });

  it("reads as a person would say it", () => {
    expect(duration(850)).toBe("850 ms");
    expect(duration(4200)).toBe("4.2 s");
    expect(duration(200_000)).toBe("3 min 20 s");
    expect(duration(7_500_000)).toBe("2 h 5 min");
  });
});

describe("a frame", () => {
  it("shows the full load as a bar with rows, chunks, rate and ETA", () => {
    const text = renderFrame(task(loading(450_000, 45)), [], { now: NOW, intervalMs: 2000 }).join("\n");
    expect(text).toContain(`[${progressBar(0.45, 30)}]  45%  450,000 / 1,000,000 rows`);
    expect(text).toContain("chunks 45/100, 50,000 rows/s on average, ETA 11.0 s");
    expect(text).toContain("Ctrl-C stops watching; the task goes on");
  });

  it("shows latency and rows/s with sparklines of the tailer's reports, the warning, the error, pending indexes", () => {
    const v = {
      ...tailing(1500, 300, -3, "binlog bin.000004 is purged in 2 h"),
      indexes: { tables: 2, pending: ["shop.orders", "shop.items"], startedAt: at(-30), completedAt: null },
      lastError: { error: "SinkError", cause: "lock wait timeout", at: at(-20) },
    };
    const samples = [
      { latencyMs: 500, rowsPerSecond: 100 },
      { latencyMs: 4000, rowsPerSecond: 300 },
    ];
    const text = renderFrame(task(v), samples, { now: NOW, intervalMs: 2000 }).join("\n");
    expect(text).toMatch(/Latency +1\.5 s +▂█ +max 4\.0 s/);
    expect(text).toMatch(/Rows\/s +300 +▃█ +max 300/);
    expect(text).toContain("5,000 rows up to bin.000004:1200, reported 3.0 s ago");
    expect(text).toContain("Warning      binlog bin.000004 is purged in 2 h");
    expect(text).toContain("Error        SinkError: lock wait timeout");
    expect(text).toContain("2 pending: shop.orders, shop.items");
  });

  it("as the final frame, has no footer and prints a failed precheck's whole report", () => {
    const v = view({ phase: "precheck-failed", position: null });
    const lines = renderFrame(task(v, failedPrecheck), [], { now: NOW, intervalMs: 2000, final: true });
    expect(lines.join("\n")).toContain("fix: SET GLOBAL binlog_format = ROW");
    expect(lines.join("\n")).not.toContain("Ctrl-C");
  });
});

describe("dts status --watch", () => {
  it("on a terminal: redraws in place, samples each tailer report once, and Ctrl-C exits 0 with the cursor back", async () => {
    const h = harness(
      [
        task(loading(100_000, 10)),
        task(loading(600_000, 60)),
        task(tailing(800, 50, 0)),
        task(tailing(800, 50, 0)), // the same report read again: no new point
        task(tailing(6400, 400, 2)),
      ],
      { isTTY: true, columns: 200 },
    );
    const { done } = await h.start();
    expect(h.state.intervalMs).toBe(2000);
    expect(h.written[0]).toBe("\x1b[?1049h\x1b[?25l");
    expect(h.written[1]?.startsWith(HOME)).toBe(true);
    expect(h.written[1]).toContain(" 10%  100,000 / 1,000,000 rows");
    await h.tick();
    expect(h.written.at(-1)?.startsWith(HOME)).toBe(true);
    expect(h.written.at(-1)).toContain(" 60%  600,000 / 1,000,000 rows");
    await h.tick();
    await h.tick();
    await h.tick();
    expect(h.written.at(-1)).toMatch(/Latency +6\.4 s +▂█ +max 6\.4 s/);
    expect(h.exit()).toBeUndefined();

    await h.interrupt();
    expect(await done).toBe(0);
    expect(h.state).toMatchObject({ tickerStopped: true, listening: false });
    const [leave, last] = h.written.slice(-2);
    expect(leave).toBe("\x1b[?25h\x1b[?1049l");
    // The last frame stays on the shell's screen, without escape codes.
    expect(last).toMatch(/Latency +6\.4 s +▂█ +max 6\.4 s/);
    expect(last).not.toContain("\x1b");
  });

  it("on a terminal: cuts lines to its width so none wraps and breaks the redraw", async () => {
    const h = harness([task(loading(100_000, 10))], { isTTY: true, columns: 20 });
    const { done } = await h.start();
    const lines = h.written[1]?.replace(ESCAPES, "").split("\n") ?? [];
    expect(Math.max(...lines.map((l) => [...l].length))).toBe(20);
    await h.interrupt();
    expect(await done).toBe(0);
  });

  it("into a pipe or file: a new block per refresh, no escape codes, Ctrl-C exits 0 adding nothing", async () => {
    const h = harness([task(loading(100_000, 10)), task(loading(200_000, 20))], { isTTY: false });
    const { done } = await h.start();
    await h.tick();
    expect(h.written).toHaveLength(2);
    expect(h.written[0]).toContain(" 10% ");
    expect(h.written[1]).toContain(" 20% ");
    await h.interrupt();
    expect(await done).toBe(0);
    expect(h.written).toHaveLength(2);
    expect(h.output()).not.toContain("\x1b");
  });

  it("stops by itself when the task completes (exit 0) or fails (exit 1), printing the final state", async () => {
    const completed = harness([task(loading(990_000, 99)), task(view({ phase: "completed" }))], {
      isTTY: true,
    });
    const { done: ok } = await completed.start();
    await completed.tick();
    expect(await ok).toBe(0);
    expect(completed.state).toMatchObject({ tickerStopped: true, listening: false });
    expect(completed.written.at(-2)).toBe("\x1b[?25h\x1b[?1049l");
    expect(completed.written.at(-1)).toContain("Phase        completed");

    const failed = harness(
      [
        task(loading(10_000, 1)),
        task(view({ phase: "failed", lastError: { error: "FatalError", cause: "disk full", at: at(0) } })),
      ],
      { isTTY: false },
    );
    const { done: ko } = await failed.start();
    await failed.tick();
    expect(await ko).toBe(1);
    expect(failed.written.at(-1)).toContain("Error        FatalError: disk full");
    expect(failed.written.at(-1)).toContain("dts resume orders");
  });

  it("a task already ended prints its final state once, with no screen switching, and never starts the ticker", async () => {
    const h = harness([task(view({ phase: "precheck-failed" }), failedPrecheck)], { isTTY: true });
    expect(await (await h.start()).done).toBe(1);
    expect(h.written).toHaveLength(1);
    expect(h.output()).not.toContain("\x1b");
    expect(h.output()).toContain("fix: SET GLOBAL binlog_format = ROW");
    expect(h.state.intervalMs).toBe(0);
  });

  it("watches a paused task on: it may be resumed from elsewhere", async () => {
    const h = harness(
      [task(view({ phase: "paused" })), task(view({ phase: "paused" })), task(loading(500_000, 50))],
      { isTTY: false },
    );
    const { done } = await h.start();
    await h.tick();
    expect(h.exit()).toBeUndefined();
    expect(h.written[1]).toContain("paused (paused: `dts resume orders` goes on");
    await h.tick();
    expect(h.written.at(-1)).toContain(" 50% ");
    await h.interrupt();
    expect(await done).toBe(0);
  });

  it("a failed read keeps the last frame with the error and goes on; a deleted task ends the watch", async () => {
    const h = harness(
      [
        task(loading(100_000, 10)),
        new Error("ProvisionedThroughputExceeded"),
        task(loading(300_000, 30)),
        undefined,
      ],
      { isTTY: false },
    );
    const { done } = await h.start();
    await h.tick();
    expect(h.written.at(-1)).toContain(" 10% ");
    expect(h.written.at(-1)).toContain("could not read the task: ProvisionedThroughputExceeded");
    await h.tick();
    expect(h.written.at(-1)).toContain(" 30% ");
    expect(h.written.at(-1)).not.toContain("could not read");
    await h.tick();
    expect(await done).toBe(1);
    expect(h.written.at(-1)).toContain("Task orders no longer exists");
  });

  it("a task that does not exist is one clear error, before anything is drawn", async () => {
    const h = harness([undefined], { isTTY: true });
    const { done } = await h.start();
    await expect(done).rejects.toThrow(DtsError);
    await expect(done).rejects.toThrow(/no task named orders: start it with `dts run <spec.json>` first/);
    expect(h.written).toHaveLength(0);
  });

  it("never prints a password from an error's connection string", async () => {
    const error = { error: "SourceError", cause: "connect mysql://dts:hunter2@db:3306 refused", at: at(0) };
    const h = harness([task(view({ lastError: error }))], { isTTY: false });
    const { done } = await h.start();
    await h.interrupt();
    expect(await done).toBe(0);
    expect(h.output()).toContain("SourceError");
    expect(h.output()).not.toContain("hunter2");
  });
});

describe("the --watch options", () => {
  it("refreshes every 2 s unless --interval says otherwise", () => {
    expect(watchIntervalMs({ watch: true })).toBe(2000);
    expect(watchIntervalMs({ watch: true, interval: "0.5" })).toBe(500);
    expect(watchIntervalMs({ watch: true, interval: "10" })).toBe(10_000);
  });

  it("refuses a bad interval, --interval without --watch, and --watch with --json, naming the fix", async () => {
    for (const interval of ["0", "abc", "", "5000", "-1"]) {
      expect(() => watchIntervalMs({ watch: true, interval })).toThrow(
        new SpecError(
          `--interval takes a number of seconds from 0.5 to 3600, not "${interval}" (e.g. --interval 5)`,
        ),
      );
    }
    expect(() => watchIntervalMs({ interval: "5" })).toThrow(/add --watch/);
    await expect(statusCommand("orders", { watch: true, json: true }, {} as DtsConfig)).rejects.toThrow(
      /--watch draws the task for a person to read; for JSON, run `dts status <task> --json` again/,
    );
  });
});
