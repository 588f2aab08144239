import type { Chunk, ChunkError, LedgerSummary, PlanCursor } from "./chunk.ts";
import type { ChunkClaim } from "./chunk-claim.ts";

export * from "./chunk.ts";
export * from "./chunk-claim.ts";
export { DynamoChunkLedger } from "./dynamo-chunk-ledger.ts";

/** The chunk ledger port: the full load's plan and how far each chunk's copy got. */
export interface ChunkLedger {
  /** A copying chunk whose heartbeat is older than this (ms) may be claimed by any worker. */
  readonly heartbeatTimeoutMs: number;
  /** The task's chunks in id order (only those not done with `notDone`); reads the whole ledger. */
  list(task: string, options?: { notDone?: boolean }): Promise<Chunk[]>;
  /** Counts (done chunks, rows) without reading the whole ledger. */
  summary(task: string): Promise<LedgerSummary>;
  /** Replaces the task's ledger with a new plan (and drops its plan cursor). */
  replace(task: string, chunks: Chunk[]): Promise<void>;
  /**
   * Adds chunks as planning finds them, then moves the plan cursor past them (the counts grow with
   * it). Chunks an append wrote without its cursor (cut short) are rewritten or dropped by the next.
   */
  append(task: string, chunks: Chunk[], cursor: PlanCursor): Promise<void>;
  /**
   * Where planning got to: undefined for no plan, or one planned whole before there were cursors.
   * Drops chunks at or past the cursor (written by an append cut short before it moved the cursor).
   */
  planCursor(task: string): Promise<PlanCursor | undefined>;
  /**
   * Claims a chunk for `execution` (chunk-claim.ts: pending, silent heartbeat, or held by another
   * execution), reading a few entries of the claim index, never the whole ledger. Returns the chunk
   * as claimed (copying, this execution's, one more attempt; `claimOf` gives the hold), or
   * undefined when none is left to claim.
   */
  claim(task: string, execution: string, worker: number, workers: number): Promise<Chunk | undefined>;
  /** Rows copied so far, and the heartbeat; false (nothing written) when `claim` no longer holds the chunk. */
  progress(claim: ChunkClaim, rows: number): Promise<boolean>;
  /**
   * Gives a chunk whose copy failed back (pending), a lost hold is left alone. Without `failure`
   * any worker may take it at once; with it, the error is recorded and no claim takes the chunk
   * before `retryAt` (ISO 8601).
   */
  release(claim: ChunkClaim, failure?: { error: ChunkError; retryAt: string }): Promise<void>;
  /** Marks a chunk `claim` holds failed for good, with its error; false (nothing written) when it no longer holds it. */
  fail(claim: ChunkClaim, error: ChunkError): Promise<boolean>;
  /** The task's failed chunks, in id order (reads only those, through the claim index). */
  failed(task: string): Promise<Chunk[]>;
  /**
   * Gives the chunks another execution marked failed back (pending, attempts counted from zero,
   * no backoff): a resumed task tries them again. Returns how many.
   */
  reopen(task: string, execution: string): Promise<number>;
  /** Marks the chunk done; ChunkLostError (a FencedError) when it was claimed again since. */
  markDone(claim: ChunkClaim, rows: number): Promise<void>;
}

export interface ChunkLedgerOptions {
  /** A copying chunk's heartbeat may be silent this long (ms) before anyone may claim it. */
  heartbeatTimeoutMs?: number;
}
