import type { Chunk, LedgerSummary } from "./chunk.ts";
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
  /** Replaces the task's ledger with a new plan. */
  replace(task: string, chunks: Chunk[]): Promise<void>;
  /**
   * Claims a chunk for `execution` (chunk-claim.ts: pending, silent heartbeat, or held by another
   * execution), reading a few entries of the claim index, never the whole ledger. Returns the chunk
   * as claimed (copying, this execution's, one more attempt; `claimOf` gives the hold), or
   * undefined when none is left to claim.
   */
  claim(task: string, execution: string, worker: number, workers: number): Promise<Chunk | undefined>;
  /** Rows copied so far, and the heartbeat; false (nothing written) when `claim` no longer holds the chunk. */
  progress(claim: ChunkClaim, rows: number): Promise<boolean>;
  /** Gives a chunk whose copy failed back (pending) so any worker may take it at once; a lost hold is left alone. */
  release(claim: ChunkClaim): Promise<void>;
  /** Marks the chunk done; ChunkLostError (a FencedError) when it was claimed again since. */
  markDone(claim: ChunkClaim, rows: number): Promise<void>;
}

export interface ChunkLedgerOptions {
  /** A copying chunk's heartbeat may be silent this long (ms) before anyone may claim it. */
  heartbeatTimeoutMs?: number;
}
