import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { isTailerCommand } from "#core/adapters/tailer-command.ts";
import { localLauncher } from "#core/adapters/tailer-launcher.ts";
import { comparePositions } from "#core/model/position.ts";
import { defaultCheckpointStore, defaultTaskStore } from "#core/store/index.ts";
import { startTailer } from "#core/task/tailer-start.ts";
import {
  DB,
  DESTINATION,
  REPO,
  rssMb,
  SOURCE,
  type SourcePosition,
  sleep,
  sourcePosition,
} from "./cdc-common.ts";
import { freshTask } from "./fresh-task.ts";

/** bench:cdc's dts task (schema + full + incremental of `<DB>` into the stack's destination) and its tailer. */
export const TASK = "bench-cdc";
const LOG = join(REPO, ".stack", `tailer-${TASK}.log`);

const dts = (...argv: string[]) =>
  execFileSync("node", ["bin/dts.js", ...argv], { cwd: REPO, encoding: "utf8" });

/** A new task: the destination's `<DB>` dropped, `dts run` until caught up, then `dts pause`. */
export async function createTask(): Promise<void> {
  freshTask(TASK);
  const destination = await mysql.createConnection(DESTINATION);
  await destination.query(`DROP DATABASE IF EXISTS ${DB}`);
  await destination.end();
  const spec = join(tmpdir(), "bench-cdc.json");
  writeFileSync(
    spec,
    JSON.stringify({
      name: TASK,
      source: SOURCE,
      destination: { type: "mysql", ...DESTINATION },
      migrationTypes: ["schema", "full", "incremental"],
      objects: [{ database: DB }],
      heartbeat: true,
    }),
  );
  dts("run", spec, "--until", "caught-up");
  pauseTask();
}

export function pauseTask(): void {
  dts("pause", TASK);
}

/** Fails unless `pid` is still the task's tailer and its log says it has not stopped since `logOffset`. */
export function assertTailerRunning(pid: number, logOffset: number): void {
  let alive = false;
  try {
    alive = isTailerCommand(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
  } catch {
    alive = false;
  }
  const stopped = logSince(logOffset).some((line) => line.msg === "tailer stopped");
  if (!alive || stopped) throw new Error(`the tailer (pid ${pid}) stopped during the benchmark: see ${LOG}`);
}

function logSince(offset: number): { msg?: string; time?: string }[] {
  if (!existsSync(LOG)) return [];
  return readFileSync(LOG)
    .subarray(offset)
    .toString("utf8")
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => {
      try {
        return JSON.parse(line) as { msg?: string; time?: string };
      } catch {
        return {};
      }
    });
}

export interface RunningTailer {
  pid: number;
  logOffset: number;
  launchedAt: number;
}

/** startTailer(..., "resume"), as `dts resume` does; fails if a tailer of the task was already running. */
export async function launchTailer(): Promise<RunningTailer> {
  const logOffset = existsSync(LOG) ? statSync(LOG).size : 0;
  const launchedAt = Date.now();
  const launched = await startTailer(
    TASK,
    { checkpoints: defaultCheckpointStore(), store: defaultTaskStore(), launcher: localLauncher(REPO) },
    "resume",
  );
  if (launched.alreadyRunning)
    throw new Error(`a tailer of ${TASK} was already running (pid ${launched.id})`);
  return { pid: Number(launched.id), logOffset, launchedAt };
}

/** Waits until the task's checkpoint is at `target` or past it, sampling the tailer's RSS; peak MB. */
export async function waitCaughtUp(
  tailer: RunningTailer,
  target: SourcePosition,
  timeoutMs = 3_600_000,
): Promise<{ peakRss: number; caughtUpAt: number }> {
  let peakRss = 0;
  const checkpoints = defaultCheckpointStore();
  for (let i = 0; ; i++) {
    peakRss = Math.max(peakRss, rssMb(tailer.pid));
    const checkpoint = (await checkpoints.read(TASK))?.checkpoint?.position;
    if (checkpoint && comparePositions(checkpoint, target) >= 0) return { peakRss, caughtUpAt: Date.now() };
    if (i % 20 === 0) assertTailerRunning(tailer.pid, tailer.logOffset);
    if (Date.now() - tailer.launchedAt > timeoutMs) throw new Error("the tailer did not catch up in time");
    await sleep(50);
  }
}

export interface TailerDrain {
  /** From its lease (logged once it has connected and is about to read the binlog) to caught up. */
  alone: number;
  /** From startTailer (process start included) to caught up. */
  whole: number;
  peakRss: number;
}

/** Resumes the paused task and times its tailer through the backlog up to `target`; pauses it again. */
export async function drainWithTailer(target: SourcePosition): Promise<TailerDrain> {
  const tailer = await launchTailer();
  let caught: { peakRss: number; caughtUpAt: number };
  try {
    caught = await waitCaughtUp(tailer, target);
    assertTailerRunning(tailer.pid, tailer.logOffset);
  } finally {
    pauseTask();
  }
  const { peakRss, caughtUpAt } = caught;
  const lease = logSince(tailer.logOffset).find((line) => line.msg === "lease taken");
  const leaseAt = lease?.time ? Date.parse(lease.time) : Number.NaN;
  return {
    alone: (caughtUpAt - leaseAt) / 1000,
    whole: (caughtUpAt - tailer.launchedAt) / 1000,
    peakRss,
  };
}

export interface SteadyState {
  transactions: number;
  latencies: number[];
  peakRss: number;
}

/**
 * Steady state at `rate` rows/s for `seconds`: one 100-row transaction into `<DB>.live` every
 * 100 / rate seconds; per transaction, the time from its commit on the source to its rows in the
 * destination (20 ms polling). The tailer is resumed first and must run until the end.
 */
export async function steadyState(rate: number, seconds: number): Promise<SteadyState> {
  const tailer = await launchTailer();
  try {
    await waitCaughtUp(tailer, await sourcePosition());
    const steady = await offerLoad(tailer, rate, seconds);
    assertTailerRunning(tailer.pid, tailer.logOffset);
    return steady;
  } finally {
    pauseTask();
  }
}

async function offerLoad(tailer: RunningTailer, rate: number, seconds: number): Promise<SteadyState> {
  const source = await mysql.createConnection(SOURCE);
  const destination = await mysql.createConnection(DESTINATION);
  const batches: { lastId: number; committedAt: number; seenAt?: number }[] = [];
  let peakRss = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const [[row]] = (await destination.query(
        `SELECT COALESCE(MAX(id), 0) AS id FROM ${DB}.live`,
      )) as unknown as [[{ id: number | string }]];
      const now = Date.now();
      for (const batch of batches)
        if (batch.seenAt === undefined && batch.lastId <= Number(row.id)) batch.seenAt = now;
      peakRss = Math.max(peakRss, rssMb(tailer.pid));
      await sleep(20);
    }
  })();
  try {
    const interval = (100 / rate) * 1000;
    const start = Date.now();
    for (let i = 0, nextId = 1; Date.now() - start < seconds * 1000; i++, nextId += 100) {
      const due = start + i * interval;
      if (due > Date.now()) await sleep(due - Date.now());
      await source.query(
        `INSERT INTO ${DB}.live SELECT seq, seq MOD 1000, CONCAT('live-', seq), 1.5, NOW(6) FROM ${DB}.seq_${nextId}_to_${nextId + 99}`,
      );
      batches.push({ lastId: nextId + 99, committedAt: Date.now() });
    }
    await waitCaughtUp(tailer, await sourcePosition());
    await sleep(200);
  } finally {
    polling = false;
    await poller;
    await source.end();
    await destination.end();
  }
  const latencies = batches
    .filter((b) => b.seenAt !== undefined)
    .map((b) => (b.seenAt as number) - b.committedAt);
  if (latencies.length < batches.length)
    throw new Error(
      `${batches.length - latencies.length} steady-state transactions never reached the destination`,
    );
  return { transactions: batches.length, latencies, peakRss };
}
