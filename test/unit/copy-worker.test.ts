import type { Connection } from "mysql2/promise";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { FatalError, FencedError } from "#core/errors.ts";
import type { Ticker } from "#core/fullload/chunk-heartbeat.ts";
import { ChunkFailedError } from "#core/fullload/chunk-retry.ts";
import { runCopyWorker } from "#core/fullload/copy-worker.ts";
import { sinkLogger } from "#core/logger.ts";
import { type Chunk, chunkId } from "#core/store/chunk-ledger.ts";
import { MemoryChunkLedger } from "#core/store/memory.ts";
import { plannedChunk } from "../support/chunks.ts";
import { spec as taskSpec } from "../support/spec-fixtures.ts";

// The worker with its copy stubbed: these tests are about claims, heartbeats and losses.
const copy = vi.hoisted(() => ({ range: vi.fn<() => Promise<{ rows: number }>>() }));
vi.mock("#core/fullload/service.ts", () => ({
  copyTables: async () => [{ plan: { sourceTable: "`shop`.`t`" }, route: {} }],
}));
vi.mock("#core/fullload/load-data.ts", () => ({
  chooseWriteMethod: async () => "insert",
  refusesLoadData: () => false,
}));
vi.mock("#core/fullload/copy.ts", () => ({ copyRange: copy.range }));

const TASK = "shop-migration";
const TIMEOUT = 1000;
let now = Date.UTC(2031, 0, 1);
let ledger: MemoryChunkLedger;
const noTicks: Ticker = { every: () => () => undefined };

const chunk = (index: number) => plannedChunk(TASK, index, now);

const MINUTE = 60_000;

const worker = (lines: Record<string, unknown>[] = [], execution = "exec-1") =>
  runCopyWorker({
    spec: taskSpec({ fullLoad: { chunkRows: 100, parallelism: 2, maxChunkAttempts: 3 } }),
    execution,
    worker: 0,
    workers: 2,
    source: {} as Connection,
    destination: {} as Connection,
    ledger,
    now: () => now,
    heartbeat: { ticker: noTicks },
    log: sinkLogger((line) => lines.push(line)),
    retry: { backoffMs: MINUTE },
  });

/** A connection lost mid-chunk, as mysql2 reports it. */
const connectionLost = () =>
  Object.assign(new Error("Connection lost: The server closed the connection."), {
    code: "PROTOCOL_CONNECTION_LOST",
    fatal: true,
  });

const stored = async (index = 0) => (await ledger.list(TASK))[index] as Chunk;

beforeEach(async () => {
  copy.range.mockReset();
  ledger = new MemoryChunkLedger(() => now, { heartbeatTimeoutMs: TIMEOUT });
  await ledger.replace(TASK, [chunk(0)]);
});

describe("a copy worker whose copy fails", () => {
  it("gives a chunk cut short by a lost connection back with its error, returns, and copies it once its backoff is over", async () => {
    await ledger.replace(TASK, [chunk(0), chunk(1)]);
    copy.range.mockRejectedValueOnce(connectionLost());
    const lines: Record<string, unknown>[] = [];
    // No error goes up: the Map goes on; the worker returns (its connection is gone).
    expect(await worker(lines)).toEqual({ copied: 0, more: true, released: chunkId(0, 0) });
    expect(await stored(0)).toMatchObject({
      state: "pending",
      attempts: 1,
      rows: 0,
      retryAt: new Date(now + MINUTE).toISOString(),
      lastError: {
        message: "PROTOCOL_CONNECTION_LOST: Connection lost: The server closed the connection.",
        at: new Date(now).toISOString(),
        attempt: 1,
      },
    });
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: "chunk copy failed: tried again after its backoff",
        chunk: chunkId(0, 0),
      }),
    );
    // Within the backoff the next worker copies the other chunk and leaves this one.
    copy.range.mockResolvedValue({ rows: 10 });
    expect(await worker()).toEqual({ copied: 1, more: false });
    expect(await stored(0)).toMatchObject({ state: "pending", attempts: 1 });
    now += MINUTE;
    expect(await worker()).toEqual({ copied: 1, more: false });
    expect(await stored(0)).toMatchObject({ state: "done", attempts: 2, rows: 10 });
    expect(await ledger.summary(TASK)).toMatchObject({ chunks: 2, done: 2 });
  });

  it("waits longer after each failure, and fails the chunk at its last attempt with its range and error", async () => {
    copy.range.mockRejectedValue(connectionLost());
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      expect(await worker()).toEqual({ copied: 0, more: true, released: chunkId(0, 0) });
      const { retryAt } = await stored();
      waits.push(Date.parse(retryAt ?? "") - now);
      now = Date.parse(retryAt ?? "");
    }
    expect(waits).toEqual([MINUTE, 2 * MINUTE]);
    // maxChunkAttempts is 3: the third failure is the last.
    const lines: Record<string, unknown>[] = [];
    expect(await worker(lines)).toEqual({ copied: 0, more: false, failed: chunkId(0, 0) });
    const failed = await stored();
    expect(failed).toMatchObject({ state: "failed", attempts: 3, lastError: { attempt: 3 } });
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: "chunk failed: the task stops",
        attempts: 3,
        range: "from the start to the end",
      }),
    );
    // What FullLoadStatus stops the task with (the task's lastError).
    expect(new ChunkFailedError(failed).message).toBe(
      `chunk ${chunkId(0, 0)} of shop.t (from the start to the end) failed after 3 attempts: PROTOCOL_CONNECTION_LOST: Connection lost: The server closed the connection. Fix the cause, then resume the task (dts resume, or POST /tasks/{name}/resume): the failed chunk is copied again and the chunks done are kept`,
    );
    // No worker claims a failed chunk; once one failed, the others claim nothing more.
    await ledger.replace(TASK, [failed, chunk(1)]);
    expect(await worker()).toEqual({ copied: 0, more: false });
    expect(await stored(1)).toMatchObject({ state: "pending", attempts: 0 });
  });

  it("fails the chunk at once on an error not worth retrying, with the error's text redacted", async () => {
    await ledger.replace(TASK, [plannedChunk(TASK, 0, now, { lower: ["100"], upper: ["200"] })]);
    copy.range.mockRejectedValueOnce(
      new FatalError("writing `shop`.`t` failed: mysql://admin:s3cret@db.internal/shop refused it"),
    );
    expect(await worker()).toEqual({ copied: 0, more: false, failed: chunkId(0, 0) });
    const failed = await stored();
    expect(failed).toMatchObject({ state: "failed", attempts: 1 });
    expect(failed.lastError?.message).toBe(
      "FatalError: writing `shop`.`t` failed: mysql://(hidden)@db.internal/shop refused it",
    );
    expect(new ChunkFailedError(failed).message).toMatch(
      /^chunk t00000#c0000000 of shop\.t \(key after \(100\) up to \(200\)\) failed after 1 attempt: FatalError: writing/,
    );
  });

  it("fails a chunk at the claim past its last attempt when its workers died in it without an error", async () => {
    // Three claims whose workers timed out (each claim counts an attempt; the heartbeat went silent).
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await ledger.claim(TASK, "exec-1", 0, 1)).toMatchObject({ attempts: attempt });
      now += TIMEOUT + 1;
    }
    expect(await worker()).toEqual({ copied: 0, more: false, failed: chunkId(0, 0) });
    expect(copy.range).not.toHaveBeenCalled();
    const failed = await stored();
    expect(failed).toMatchObject({ state: "failed", lastError: { attempt: 3 } });
    expect(new ChunkFailedError(failed).message).toMatch(
      /failed after 3 attempts: the copy was cut short without an error \(its worker timed out, ran out of memory or stopped\)\. Fix the cause/,
    );
  });

  it("gives the chunks an earlier execution marked failed back when a resumed one starts, and copies them", async () => {
    copy.range.mockRejectedValueOnce(new FatalError("no such column"));
    expect(await worker([], "exec-1")).toMatchObject({ failed: chunkId(0, 0) });
    // The same execution (FullLoadStatus stops it) never takes it again.
    expect(await worker([], "exec-1")).toEqual({ copied: 0, more: false });
    copy.range.mockResolvedValueOnce({ rows: 10 });
    expect(await worker([], "exec-2")).toEqual({ copied: 1, more: false });
    // Its attempts count again from the resume; the error stays on record.
    expect(await stored()).toMatchObject({
      state: "done",
      attempts: 1,
      execution: "exec-2",
      lastError: { message: "FatalError: no such column" },
    });
  });
});

describe("a copy worker", () => {
  it("leaves a chunk another worker of its execution claimed after its heartbeat went silent, and goes on", async () => {
    await ledger.replace(TASK, [chunk(0), chunk(1)]);
    copy.range
      .mockImplementationOnce(async () => {
        // This worker hangs past the timeout; a worker of the same execution takes its chunk.
        now += TIMEOUT + 1;
        expect(await ledger.claim(TASK, "exec-1", 1, 2)).toMatchObject({ id: chunkId(0, 0), attempts: 2 });
        return { rows: 10 };
      })
      .mockResolvedValueOnce({ rows: 7 });
    const lines: Record<string, unknown>[] = [];
    expect(await worker(lines)).toEqual({ copied: 1, more: false });
    expect(lines).toEqual([
      expect.objectContaining({ msg: "chunk claimed again by another worker", chunk: chunkId(0, 0) }),
    ]);
    const [taken, next] = await ledger.list(TASK);
    expect(taken).toMatchObject({ state: "copying", attempts: 2 });
    expect(next).toMatchObject({ state: "done", rows: 7, attempts: 1 });
  });

  it("stops when another execution took its chunk over", async () => {
    copy.range.mockImplementationOnce(async () => {
      await ledger.claim(TASK, "exec-2", 0, 1);
      return { rows: 10 };
    });
    await expect(worker()).rejects.toBeInstanceOf(FencedError);
    expect((await ledger.list(TASK))[0]).toMatchObject({ state: "copying", execution: "exec-2" });
  });
});
