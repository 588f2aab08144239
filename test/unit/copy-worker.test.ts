import type { Connection } from "mysql2/promise";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { FencedError } from "#core/errors.ts";
import type { Ticker } from "#core/fullload/chunk-heartbeat.ts";
import { runCopyWorker } from "#core/fullload/copy-worker.ts";
import { sinkLogger } from "#core/logger.ts";
import { chunkId } from "#core/store/chunk-ledger.ts";
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

const worker = (lines: Record<string, unknown>[] = []) =>
  runCopyWorker({
    spec: taskSpec(),
    execution: "exec-1",
    worker: 0,
    workers: 2,
    source: {} as Connection,
    destination: {} as Connection,
    ledger,
    now: () => now,
    heartbeat: { ticker: noTicks },
    log: sinkLogger((line) => lines.push(line)),
  });

beforeEach(async () => {
  copy.range.mockReset();
  ledger = new MemoryChunkLedger(() => now, { heartbeatTimeoutMs: TIMEOUT });
  await ledger.replace(TASK, [chunk(0)]);
});

describe("a copy worker", () => {
  it("gives the chunk back when its copy fails, so any worker may take it at once", async () => {
    const lost = Object.assign(new Error("Connection lost"), {
      code: "PROTOCOL_CONNECTION_LOST",
      fatal: true,
    });
    copy.range.mockRejectedValueOnce(lost);
    await expect(worker()).rejects.toBe(lost);
    const [left] = await ledger.list(TASK);
    expect(left).toMatchObject({ state: "pending", attempts: 1, rows: 0 });
    copy.range.mockResolvedValueOnce({ rows: 10 });
    expect(await worker()).toEqual({ copied: 1, more: false });
    expect((await ledger.list(TASK))[0]).toMatchObject({ state: "done", attempts: 2, rows: 10 });
  });

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
