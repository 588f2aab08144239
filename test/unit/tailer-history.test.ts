import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { emfMetrics } from "#core/incremental/metrics.ts";
import { startReports } from "#core/incremental/reports.ts";
import { TAILER_REPORT_INTERVAL_MS, TailerWatch } from "#core/incremental/watch.ts";
import { createLogger } from "#core/logger.ts";
import type { HistorySample } from "#core/store/task-store.ts";

const START = Date.UTC(2031, 0, 1);
let now = START;
const clock = () => now;

beforeEach(() => {
  now = START;
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Moves the clock and the report timer together, one 5 s report at a time. */
async function advance(reports: number) {
  for (let i = 0; i < reports; i++) {
    now += TAILER_REPORT_INTERVAL_MS;
    await vi.advanceTimersByTimeAsync(TAILER_REPORT_INTERVAL_MS);
  }
}

function run(watch: TailerWatch, append: (sample: HistorySample) => Promise<void>) {
  const logged: string[] = [];
  const stop = startReports({
    task: "orders",
    watch,
    metrics: emfMetrics({ emf: true }, () => undefined, clock),
    thresholdSeconds: 60,
    logger: createLogger({ level: "info" }, { destination: { write: (line: string) => logged.push(line) } }),
    clock,
    saveWarning: async () => undefined,
    history: { append, appliedRows: () => 1234 },
  });
  return { logged, stop };
}

function applying(): TailerWatch {
  const watch = new TailerWatch(clock);
  watch.resumesFrom({ position: { file: "binlog.000042", position: 4 }, sourceTimestamp: now });
  watch.connected(undefined);
  return watch;
}

it("appends one history sample a minute with latency, rows/s and applied rows", async () => {
  const watch = applying();
  const samples: HistorySample[] = [];
  const r = run(watch, async (sample) => void samples.push(sample));
  watch.applied({
    latencyMs: 800,
    rowsPerSecond: 900,
    lastEvent: { position: { file: "binlog.000042", position: 9 }, sourceTimestamp: now },
  });
  await advance(1);
  expect(samples).toEqual([
    { at: new Date(START + 5000).toISOString(), latencySeconds: 0.8, rowsPerSecond: 900, appliedRows: 1234 },
  ]);
  await advance(11); // 55 s after the first sample: none yet
  expect(samples).toHaveLength(1);
  await advance(1);
  expect(samples).toHaveLength(2);
  await advance(24); // two minutes more
  expect(samples.map((s) => Date.parse(s.at) - START)).toEqual([5000, 65_000, 125_000, 185_000]);
  r.stop();
});

it("logs a failed append and goes on reporting and sampling", async () => {
  const watch = applying();
  let calls = 0;
  const r = run(watch, async () => {
    calls++;
    throw new Error("ProvisionedThroughputExceededException");
  });
  await advance(13);
  expect(calls).toBe(2);
  const warnings = r.logged.filter((line) => line.includes("metrics history sample not saved"));
  expect(warnings).toHaveLength(2);
  expect(warnings[0]).toContain("ProvisionedThroughputExceededException");
  r.stop();
});
