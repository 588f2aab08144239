import { describe, expect, it } from "vitest";
import { DEFAULT_CHUNK_HEARTBEAT_TIMEOUT_MS as CONFIG_DEFAULT, loadConfig } from "#core/config.ts";
import {
  type Chunk,
  ChunkLostError,
  COPYING_END,
  chunkId,
  claimable,
  claimKey,
  claimOf,
  claimOrder,
  DEFAULT_CHUNK_HEARTBEAT_TIMEOUT_MS,
  dueKey,
  RETRY_KEYS,
  staleBefore,
  staleKey,
} from "#core/store/chunk-ledger.ts";
import { MemoryChunkLedger } from "#core/store/memory.ts";
import { plannedChunk } from "../support/chunks.ts";

const START = Date.UTC(2031, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

const chunk = (index: number, changes: Partial<Chunk> = {}) => plannedChunk("t", index, START, changes);

describe("the claim rules", () => {
  it("sorts pending chunks first by id, then copying ones by heartbeat, backing-off ones by retry time, failed ones last; done ones leave the index", () => {
    const keys = [
      claimKey(chunk(5, { state: "failed", updatedAt: iso(START) })),
      claimKey(chunk(2, { state: "copying", updatedAt: iso(START + 5) })),
      claimKey(chunk(6, { retryAt: iso(START + 60_000) })),
      claimKey(chunk(3)),
      claimKey(chunk(1, { state: "copying", updatedAt: iso(START + 1) })),
      claimKey(chunk(7, { retryAt: iso(START + 2) })),
      claimKey(chunk(0)),
    ].sort();
    expect(keys).toEqual([
      `0#${chunkId(0, 0)}`,
      `0#${chunkId(0, 3)}`,
      `1#${iso(START + 1)}#${chunkId(0, 1)}`,
      `1#${iso(START + 5)}#${chunkId(0, 2)}`,
      `2#${iso(START + 2)}#${chunkId(0, 7)}`,
      `2#${iso(START + 60_000)}#${chunkId(0, 6)}`,
      `3#${chunkId(0, 5)}`,
    ]);
    expect(claimKey(chunk(4, { state: "done" }))).toBeUndefined();
    // Below the stale key: every pending chunk and the copying ones whose heartbeat is older.
    const stale = staleKey(staleBefore(START + 3, 1));
    expect(keys.filter((k) => (k ?? "") < stale)).toHaveLength(3);
    // From RETRY_KEYS to the due key: the backing-off chunks whose time has come (at it, too).
    const due = (at: number) => keys.filter((k) => (k ?? "") >= RETRY_KEYS && (k ?? "") <= dueKey(iso(at)));
    expect(due(START + 1)).toEqual([]);
    expect(due(START + 2)).toEqual([`2#${iso(START + 2)}#${chunkId(0, 7)}`]);
    expect(due(START + 60_000)).toHaveLength(2);
    // Above every copying key and below every other: where a takeover's read of copying chunks ends.
    expect(keys.filter((k) => (k ?? "") < COPYING_END)).toHaveLength(4);
  });

  it("lets anyone claim a pending or silent chunk, and another execution a live one", () => {
    const live = chunk(0, { state: "copying", execution: "a", updatedAt: iso(START) });
    const stale = staleBefore(START + 1000, 1000);
    const now = iso(START + 1000);
    expect(claimable(chunk(1), "a", stale, now)).toBe(true);
    expect(claimable(live, "a", stale, now)).toBe(false);
    expect(claimable(live, "b", stale, now)).toBe(true);
    expect(claimable(live, "a", staleBefore(START + 1001, 1000), now)).toBe(true);
    expect(claimable({ ...live, state: "done" }, "b", stale, now)).toBe(false);
  });

  it("keeps a chunk back until its backoff is over, and a failed one from every claim", () => {
    const stale = staleBefore(START, 1000);
    const backingOff = chunk(0, { retryAt: iso(START + 60_000) });
    expect(claimable(backingOff, "a", stale, iso(START + 59_999))).toBe(false);
    expect(claimable(backingOff, "a", stale, iso(START + 60_000))).toBe(true);
    const failed = chunk(1, { state: "failed", execution: "a" });
    expect(claimable(failed, "b", stale, iso(START))).toBe(false);
  });

  it("lets a silent heartbeat be three minutes old by default, in the config and in a ledger made without one", () => {
    expect(DEFAULT_CHUNK_HEARTBEAT_TIMEOUT_MS).toBe(180_000);
    expect(CONFIG_DEFAULT).toBe(DEFAULT_CHUNK_HEARTBEAT_TIMEOUT_MS);
    expect(loadConfig({}).fullLoad.chunkHeartbeatTimeoutMs).toBe(180_000);
    expect(new MemoryChunkLedger().heartbeatTimeoutMs).toBe(180_000);
  });

  it("starts each worker at its own place among the candidates", () => {
    expect(claimOrder(["a", "b", "c", "d"], 1, 2)).toEqual(["c", "d", "a", "b"]);
    expect(claimOrder(["a", "b", "c", "d"], 0, 2)).toEqual(["a", "b", "c", "d"]);
    expect(claimOrder([], 3, 4)).toEqual([]);
  });
});

describe("the in-memory ledger with a one-second heartbeat timeout", () => {
  it("gives a chunk silent for more than a second to another worker of the same execution, fencing the first", async () => {
    let now = START;
    const ledger = new MemoryChunkLedger(() => now, { heartbeatTimeoutMs: 1000 });
    await ledger.replace("t", [chunk(0)]);
    const first = (await ledger.claim("t", "exec", 0, 2)) as Chunk;
    now += 600;
    expect(await ledger.progress(claimOf(first), 5)).toBe(true);
    now += 1000;
    expect(await ledger.claim("t", "exec", 1, 2)).toBeUndefined();
    now += 1;
    const second = (await ledger.claim("t", "exec", 1, 2)) as Chunk;
    expect(second).toMatchObject({ id: first.id, attempts: 2, execution: "exec", updatedAt: iso(now) });
    expect(await ledger.progress(claimOf(first), 9)).toBe(false);
    const lost = await ledger.markDone(claimOf(first), 9).catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(ChunkLostError);
    expect(lost).toMatchObject({ name: "FencedError", sameExecution: true });
    expect((lost as Error).message).toMatch(/claimed again by another worker of exec/);
    await ledger.markDone(claimOf(second), 10);
    expect(await ledger.summary("t")).toMatchObject({
      chunks: 1,
      done: 1,
      estimatedRows: 10,
      rowsCopied: 10,
    });
  });
});
