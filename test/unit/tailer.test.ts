import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FencedError } from "#core/errors.ts";
import type { BinlogReader } from "#core/incremental/binlog-reader.ts";
import { Tailer, type TailerMetrics } from "#core/incremental/tailer.ts";
import type { BinlogPosition } from "#core/model/position.ts";
import type { SourceTransaction } from "#core/model/row.ts";
import type { ChangeSink } from "#core/pipeline/sink.ts";
import type { Checkpoint, Lease } from "#core/store/checkpoint-store.ts";
import { MemoryCheckpointStore } from "#core/store/memory.ts";
import { spec } from "../support/spec-fixtures.ts";

const TASK = "tailer-unit";
const TTL = 15_000;
const START = Date.UTC(2031, 0, 1);
const at = (pos: number): BinlogPosition => ({ file: "binlog.000003", position: pos });

/** The binlog as the test pushes it: whole transactions, and whether the tailer paused reading. */
class FakeReader implements BinlogReader {
  from: BinlogPosition | undefined;
  paused = false;
  pauses = 0;
  resumes = 0;
  stopped = false;
  private deliver: ((tx: SourceTransaction) => void) | undefined;

  async start(from: BinlogPosition, onTransaction: (tx: SourceTransaction) => void): Promise<void> {
    this.from = from;
    this.deliver = onTransaction;
  }
  push(...transactions: SourceTransaction[]): void {
    for (const tx of transactions) this.deliver?.(tx);
  }
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
    this.resumes++;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

/** Records each destination commit; while `holding`, a commit waits until the test lets it through. */
class FakeSink implements ChangeSink {
  batches: number[][] = [];
  holding = false;
  failWith: Error | undefined;
  /** An exactly-once destination's own checkpoint, and how often the tailer asked for it. */
  committed: BinlogPosition | undefined;
  committedAsked = 0;
  private waiting: (() => void)[] = [];

  async committedPosition(): Promise<BinlogPosition | undefined> {
    this.committedAsked++;
    return this.committed;
  }

  async writeTransactions(batch: readonly SourceTransaction[]): Promise<number> {
    await this.commit(batch);
    return batch.reduce((n, tx) => n + tx.changes.length, 0);
  }
  async writeDdl(tx: SourceTransaction): Promise<boolean> {
    await this.commit([tx]);
    return true;
  }
  async close(): Promise<void> {}
  /** Lets the oldest waiting commit through. */
  proceed(): void {
    this.waiting.shift()?.();
  }
  get pending(): number {
    return this.waiting.length;
  }
  private async commit(batch: readonly SourceTransaction[]): Promise<void> {
    if (this.holding) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.failWith) throw this.failWith;
    this.batches.push(batch.map((tx) => tx.position.position));
  }
}

/** The checkpoints store in memory, remembering every checkpoint written. */
class RecordingCheckpoints extends MemoryCheckpointStore {
  saved: Checkpoint[] = [];
  override async save(lease: Lease, checkpoint: Checkpoint): Promise<void> {
    await super.save(lease, checkpoint);
    this.saved.push(checkpoint);
  }
}

let now = START;
let position = 0;
const clock = () => now;

/** A committed source transaction of `changes` row changes (a DDL with none). */
function tx(changes: number, ddl = false): SourceTransaction {
  position += 100;
  return {
    position: at(position),
    timestamp: now,
    changes: Array.from({ length: changes }, (_, i) => ({
      op: "insert" as const,
      database: "shop",
      table: "orders",
      after: { id: position * 10_000 + i },
    })),
    ...(ddl ? { ddl: { database: "shop", sql: "ALTER TABLE orders ADD note TEXT" } } : {}),
  };
}

/** Lets every promise chain run until it waits on a timer or on the test (real event loop turn). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Moves the clock and the tailer's timers together. */
async function advance(ms: number, step = 50): Promise<void> {
  for (let passed = 0; passed < ms; passed += step) {
    now += step;
    await vi.advanceTimersByTimeAsync(step);
  }
  await settle();
}

function startTailer(
  options: {
    maxQueuedChanges?: number;
    maxQueuedBytes?: number;
    checkpoints?: RecordingCheckpoints;
    committed?: BinlogPosition;
  } = {},
) {
  const reader = new FakeReader();
  const sink = new FakeSink();
  sink.committed = options.committed;
  const checkpoints = options.checkpoints ?? new RecordingCheckpoints(clock);
  const logged: string[] = [];
  const metrics: TailerMetrics[] = [];
  let routeLoads = 0;
  const tailer = new Tailer({
    spec: spec({ name: TASK }),
    owner: "tailer-a",
    reader,
    sink,
    checkpoints,
    start: at(4),
    clock,
    leaseTtlMs: TTL,
    maxQueuedChanges: options.maxQueuedChanges,
    maxQueuedBytes: options.maxQueuedBytes,
    loadRoutes: async () => {
      routeLoads++;
      return new Map();
    },
    log: (message) => logged.push(message),
    onMetrics: async (m) => void metrics.push(m),
  });
  const run = tailer.run();
  run.catch(() => undefined); // asserted by each test
  return { tailer, run, reader, sink, checkpoints, logged, metrics, routeLoads: () => routeLoads };
}

/**
 * A tailer with a backlog of 8 transactions of 3,000 changes (4 commits of 2) and a sink that
 * holds each commit until `commit()` lets the next one through.
 */
async function drainingBacklog() {
  const t = startTailer();
  await settle();
  t.sink.holding = true;
  const txs = Array.from({ length: 8 }, () => tx(3000));
  t.reader.push(...txs);
  const commit = async () => {
    for (let turn = 0; turn < 10 && t.sink.pending === 0; turn++) await settle();
    t.sink.proceed();
    await settle();
  };
  return { t, p: txs.map((x) => x.position.position), commit };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  now = START;
  position = 0;
});

afterEach(() => {
  vi.useRealTimers();
});

describe("the tailer loop", () => {
  it("commits whole transactions together, a DDL alone, up to about 5,000 changes; checkpoints a DDL and where it caught up", async () => {
    const t = startTailer();
    await settle();
    expect(t.reader.from).toEqual(at(4));
    const txs = [tx(1), tx(2), tx(3), tx(0, true), tx(3000), tx(3000), tx(7000), tx(1)];
    t.reader.push(...txs);
    await settle();
    const p = txs.map((x) => x.position.position);
    expect(t.sink.batches).toEqual([[p[0], p[1], p[2]], [p[3]], [p[4], p[5]], [p[6]], [p[7]]]);
    // The first commit (no checkpoint yet), the DDL, and the last commit, where nothing waits.
    expect(t.checkpoints.saved.map((c) => c.position.position)).toEqual([p[2], p[3], p[7]]);
    expect(t.routeLoads()).toBe(2); // at start, and after the DDL
    t.tailer.stop();
    await t.run;
  });

  it("checkpoints at most once a second while a backlog drains, always at a transaction end", async () => {
    const { t, p, commit } = await drainingBacklog();
    await commit(); // the first commit: nothing checkpointed yet
    await commit(); // 400 ms later: deferred
    expect(t.checkpoints.saved.map((c) => c.position.position)).toEqual([p[1]]);
    await advance(1000);
    await commit(); // a second after the last checkpoint
    expect(t.checkpoints.saved.map((c) => c.position.position)).toEqual([p[1], p[5]]);
    await commit(); // nothing waits any more
    expect(t.sink.batches).toEqual([
      [p[0], p[1]],
      [p[2], p[3]],
      [p[4], p[5]],
      [p[6], p[7]],
    ]);
    expect(t.checkpoints.saved.map((c) => c.position.position)).toEqual([p[1], p[5], p[7]]);
    t.tailer.stop();
    await t.run;
  });

  it("checkpoints every commit once asked to stop, even within the second", async () => {
    const { t, p, commit } = await drainingBacklog();
    await commit();
    await commit(); // deferred: a backlog drains
    expect(t.checkpoints.saved.map((c) => c.position.position)).toEqual([p[1]]);
    t.tailer.stop(); // what was read is applied, each commit checkpointed
    t.sink.holding = false;
    await commit();
    await t.run;
    expect(t.sink.batches).toHaveLength(4);
    expect(t.checkpoints.saved.map((c) => c.position.position)).toEqual([p[1], p[5], p[7]]);
  });

  it("writes the checkpoint only after the destination committed, and none for a failed commit", async () => {
    const t = startTailer();
    await settle();
    t.sink.holding = true;
    const [a, b] = [tx(2), tx(2)];
    t.reader.push(a as SourceTransaction, b as SourceTransaction);
    await settle();
    expect(t.sink.pending).toBe(1);
    expect((await t.checkpoints.read(TASK))?.checkpoint).toBeUndefined();
    t.sink.proceed();
    await settle();
    expect((await t.checkpoints.read(TASK))?.checkpoint).toMatchObject({ position: b?.position });

    t.sink.failWith = new Error("destination gone");
    t.reader.push(tx(1));
    await settle();
    t.sink.proceed();
    await expect(t.run).rejects.toThrow("destination gone");
    expect(t.checkpoints.saved).toHaveLength(1);
    expect((await t.checkpoints.read(TASK))?.expiresAt).toBe(0); // released for the next tailer
  });

  it("renews the lease every third of its TTL and stops on request after applying what it read", async () => {
    const t = startTailer();
    await settle();
    await advance(TTL / 3);
    expect((await t.checkpoints.read(TASK))?.expiresAt).toBe(now + TTL);

    t.sink.holding = true;
    const [a, b] = [tx(1), tx(1)];
    t.reader.push(a as SourceTransaction);
    await settle();
    t.reader.push(b as SourceTransaction);
    await t.checkpoints.requestStop(TASK);
    await advance(TTL / 3); // the renewal sees the request
    t.sink.holding = false;
    t.sink.proceed();
    await t.run;
    expect(t.sink.batches).toEqual([[a?.position.position], [b?.position.position]]);
    expect(t.reader.stopped).toBe(true);
    const record = await t.checkpoints.read(TASK);
    expect(record?.checkpoint?.position).toEqual(b?.position);
    expect(record?.expiresAt).toBe(0);
  });

  it("is fenced before its next write when another tailer took its lease over", async () => {
    const t = startTailer();
    await settle();
    t.reader.push(tx(1));
    await settle();
    // Frozen past its lease (no timer ran): another tailer takes the task over.
    now += TTL + 1;
    const other = await t.checkpoints.acquire(TASK, "tailer-b", TTL);
    expect(other.epoch).toBe(2);
    t.reader.push(tx(1));
    await expect(t.run).rejects.toThrow(FencedError);
    expect(t.sink.batches).toHaveLength(1);
    expect(await t.checkpoints.read(TASK)).toMatchObject({
      owner: "tailer-b",
      epoch: 2,
      expiresAt: now + TTL,
    });
    expect(t.reader.stopped).toBe(true);
  });

  it("cannot checkpoint a commit made while its lease was taken over", async () => {
    const t = startTailer();
    await settle();
    t.sink.holding = true;
    t.reader.push(tx(1));
    await settle();
    now += TTL + 1; // the commit hangs past the lease, timers frozen
    await t.checkpoints.acquire(TASK, "tailer-b", TTL);
    t.sink.proceed();
    await expect(t.run).rejects.toThrow(FencedError);
    expect(t.checkpoints.saved).toHaveLength(0);
    expect((await t.checkpoints.read(TASK))?.owner).toBe("tailer-b");
  });

  it("waits as a standby while another tailer holds the lease, then takes it with a higher epoch", async () => {
    const checkpoints = new RecordingCheckpoints(clock);
    await checkpoints.acquire(TASK, "tailer-b", TTL);
    const t = startTailer({ checkpoints });
    await settle();
    expect(t.logged.some((m) => m.startsWith("standby"))).toBe(true);
    expect(t.reader.from).toBeUndefined();
    await advance(TTL);
    expect(t.reader.from).toBeUndefined(); // its lease lasts to its very end
    await advance(TTL / 5);
    expect(t.reader.from).toEqual(at(4));
    expect(await checkpoints.read(TASK)).toMatchObject({ owner: "tailer-a", epoch: 2 });
    t.tailer.stop();
    await t.run;
  });

  it("starts from the destination's committed checkpoint when it is ahead of the stored one, never behind it", async () => {
    const ahead = startTailer({ committed: { file: "binlog.000003", position: 900 } });
    await settle();
    expect(ahead.reader.from).toEqual({ file: "binlog.000003", position: 900 });
    expect(ahead.logged.some((m) => m.startsWith("starting from the destination's checkpoint"))).toBe(true);
    ahead.tailer.stop();
    await ahead.run;
    const nextFile = startTailer({ committed: { file: "binlog.000004", position: 4 } });
    await settle();
    expect(nextFile.reader.from).toEqual({ file: "binlog.000004", position: 4 });
    nextFile.tailer.stop();
    await nextFile.run;
    // The stored checkpoint moves on alone past positions without messages (idle, unselected).
    const behind = startTailer({ committed: { file: "binlog.000002", position: 7000 } });
    await settle();
    expect(behind.reader.from).toEqual(at(4));
    behind.tailer.stop();
    await behind.run;
  });

  it("asks the destination for its checkpoint (which fences older writers) only once it holds the lease", async () => {
    const checkpoints = new RecordingCheckpoints(clock);
    await checkpoints.acquire(TASK, "tailer-b", TTL);
    const t = startTailer({ checkpoints, committed: { file: "binlog.000003", position: 500 } });
    await settle();
    expect(t.logged.some((m) => m.startsWith("standby"))).toBe(true);
    await advance(TTL);
    expect(t.sink.committedAsked).toBe(0);
    await advance(TTL / 5);
    expect(t.sink.committedAsked).toBe(1);
    expect(t.reader.from).toEqual({ file: "binlog.000003", position: 500 });
    t.tailer.stop();
    await t.run;
  });

  it("pauses the binlog while too many changes wait and resumes once fewer than half do", async () => {
    const t = startTailer({ maxQueuedChanges: 20_000 });
    await settle();
    t.sink.holding = true;
    t.reader.push(...Array.from({ length: 7 }, () => tx(3000)));
    expect(t.reader.pauses).toBe(1); // 21,007 queued
    await settle();
    expect(t.sink.pending).toBe(1); // two taken: 15,005 still queued
    expect(t.reader.paused).toBe(true);
    t.sink.proceed();
    await settle(); // two more taken: 9,003 queued
    expect(t.reader).toMatchObject({ paused: false, pauses: 1, resumes: 1 });
    t.sink.holding = false;
    t.sink.proceed();
    await settle();
    expect(t.sink.batches.flat()).toHaveLength(7);
    t.tailer.stop();
    await t.run;
  });

  it("pauses the binlog while too many binlog bytes wait, whatever the count of changes", async () => {
    const t = startTailer({ maxQueuedBytes: 1_000_000 });
    await settle();
    t.sink.holding = true;
    const heavy = () => ({ ...tx(1), bytes: 300_000 });
    t.reader.push(heavy(), heavy(), heavy());
    expect(t.reader.paused).toBe(false); // 900,000 bytes
    t.reader.push(heavy());
    expect(t.reader.paused).toBe(true);
    t.sink.holding = false;
    t.sink.proceed();
    await settle();
    expect(t.reader.paused).toBe(false);
    expect(t.sink.batches.flat()).toHaveLength(4);
    t.tailer.stop();
    await t.run;
  });

  it("reports metrics at most once a second, latency measured on its clock", async () => {
    const t = startTailer();
    await settle();
    const old = tx(5);
    now += 10_000;
    t.reader.push(old);
    await settle();
    expect(t.metrics).toEqual([
      {
        position: old.position,
        sourceTimestamp: old.timestamp,
        latencyMs: 10_000 - 999,
        rowsPerSecond: 1,
        appliedRows: 5,
        // The checkpoint's binlog is the oldest the task needs (its retention headroom counts from it).
        checkpoint: { position: old.position, sourceTimestamp: old.timestamp },
      },
    ]);
    t.reader.push(tx(1));
    await settle();
    expect(t.metrics).toHaveLength(1);
    await advance(1000);
    expect(t.metrics.at(-1)).toMatchObject({ appliedRows: 6, latencyMs: 0 });
    t.tailer.stop();
    await t.run;
  });

  it("checkpoints positions it passes without writes (idle heartbeats, unselected databases) every 2 s at most", async () => {
    const t = startTailer();
    await settle();
    const skipped = () => ({ ...tx(0), changes: [] });
    const heartbeat = (): SourceTransaction => ({ ...tx(0), idle: true });
    const first = skipped();
    t.reader.push(first);
    await settle();
    expect(t.sink.batches).toEqual([]); // nothing written to the destination
    expect(t.checkpoints.saved.map((c) => c.position)).toEqual([first.position]);
    const quick = [skipped(), heartbeat(), skipped()];
    t.reader.push(...quick);
    await settle();
    expect(t.checkpoints.saved).toHaveLength(1); // within 2 s of the last checkpoint
    await advance(2000);
    expect(t.checkpoints.saved.at(-1)?.position).toEqual(quick[2]?.position);
    const last = heartbeat();
    t.reader.push(last);
    await settle();
    t.tailer.stop();
    await t.run;
    // What was passed is checkpointed before the tailer stops.
    expect(t.checkpoints.saved.at(-1)?.position).toEqual(last.position);
    expect(t.sink.batches).toEqual([]);
  });

  it("reports progress only when the checkpoint moves", async () => {
    const reader = new FakeReader();
    const checkpoints = new RecordingCheckpoints(clock);
    let progress = 0;
    const tailer = new Tailer({
      spec: spec({ name: TASK }),
      owner: "tailer-a",
      reader,
      sink: new FakeSink(),
      checkpoints,
      start: at(4),
      clock,
      leaseTtlMs: TTL,
      loadRoutes: async () => new Map(),
      onProgress: () => progress++,
    });
    const run = tailer.run();
    await settle();
    const heartbeat = { ...tx(0), idle: true as const };
    reader.push(heartbeat);
    await settle();
    expect(progress).toBe(1);
    await advance(2100);
    reader.push({ ...heartbeat, timestamp: now });
    await advance(2100);
    expect(checkpoints.saved.length).toBeGreaterThanOrEqual(2);
    expect(progress).toBe(1); // the same position again is no progress
    reader.push(tx(2));
    await settle();
    expect(progress).toBe(2);
    tailer.stop();
    await run;
  });
});
