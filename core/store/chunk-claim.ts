import { FencedError } from "../errors.ts";
import type { Chunk } from "./chunk.ts";

/*
 * The claim rules of the chunk ledger, shared by the DynamoDB adapter and the in-memory fake.
 *
 * A copying chunk carries a heartbeat: its `updatedAt`, written by the worker that holds it at
 * least every quarter of the timeout while it copies. A chunk is claimable when it is pending,
 * when its heartbeat is older than the timeout (its worker died or hung, even a worker of the
 * claiming execution), or when another execution holds it (an interrupted run: the resumed one
 * takes over at once). Every claim counts one more attempt; the worker's hold is the pair
 * (execution, attempt), so a worker whose chunk was claimed again is fenced even when the new
 * holder belongs to its own execution.
 *
 * Claims never read the whole ledger: the chunks not done carry a claim key (a sparse index in
 * DynamoDB) that sorts the pending ones first, in id order, then the copying ones by heartbeat,
 * oldest first. Everything below the key of "copying, heartbeat at the timeout" is claimable.
 *
 * A chunk given back after a failed copy waits out a backoff: pending with a `retryAt`, it sorts
 * after the copying ones by that time ("2#"), claimable once the time has come. A chunk that
 * failed for good sorts last ("3#"): no claim takes it, FullLoadStatus finds it and stops the task.
 */

/** How long a copying chunk's heartbeat may be silent before any worker may claim it: 3 minutes. */
export const DEFAULT_CHUNK_HEARTBEAT_TIMEOUT_MS = 180_000;

/** The sparse index of the chunks not done, keyed by task and claim key (infra/tables.ts, local-tables.ts). */
export const CLAIM_INDEX = "claimable";

/** The attribute the claim index sorts on; a done chunk has none, so it leaves the index. */
export const CLAIM_KEY = "claimKey";

/** What the claim index carries besides its keys: what a claim and summary() read. */
export const CLAIM_INDEX_ATTRIBUTES = ["state", "execution", "updatedAt", "rows"] as const;

/** Claim keys of copying chunks start with this; pending ones with "0#". */
export const COPYING_KEYS = "1#";

/** Above every copying chunk's claim key ("$" sorts right after "#"). */
export const COPYING_END = "1$";

/** Claim keys of pending chunks waiting out a backoff start with this, then their retryAt. */
export const RETRY_KEYS = "2#";

/** Claim keys of failed chunks start with this. */
export const FAILED_KEYS = "3#";

/** Where a chunk sorts in the claim index, or undefined when it is done (out of the index). */
export function claimKey(
  chunk: Pick<Chunk, "id" | "state" | "updatedAt"> & { retryAt?: string | undefined },
): string | undefined {
  if (chunk.state === "pending")
    return chunk.retryAt ? `${RETRY_KEYS}${chunk.retryAt}#${chunk.id}` : `0#${chunk.id}`;
  if (chunk.state === "copying") return `${COPYING_KEYS}${chunk.updatedAt}#${chunk.id}`;
  if (chunk.state === "failed") return `${FAILED_KEYS}${chunk.id}`;
  return undefined;
}

/** Backing-off chunks whose claim key sorts from RETRY_KEYS up to this are due at `now` (ISO 8601). */
export function dueKey(now: string): string {
  return `${RETRY_KEYS}${now}$`;
}

/** Every chunk whose claim key sorts below this is claimable by anyone: pending, or its heartbeat is older than `staleBefore`. */
export function staleKey(staleBefore: string): string {
  return `${COPYING_KEYS}${staleBefore}`;
}

/** The heartbeat a copying chunk must be newer than to stay with its holder (ISO 8601, as updatedAt). */
export function staleBefore(now: number, heartbeatTimeoutMs: number): string {
  return new Date(now - heartbeatTimeoutMs).toISOString();
}

/** How many claim-index entries one claim reads: enough for each worker to start at its own place. */
export function claimPage(workers: number): number {
  return Math.min(100, Math.max(8, 2 * workers));
}

/** Rounds of (read candidates, try them) before a claim gives up under contention. */
export const CLAIM_ROUNDS = 10;

/** A worker's hold on a chunk: which execution claimed it, and which claim it was (the chunk's attempts after it). */
export interface ChunkClaim {
  task: string;
  id: string;
  execution: string;
  attempt: number;
}

/** The hold a claim returned (the chunk as claimed: copying, with its execution and attempts). */
export function claimOf(chunk: Chunk): ChunkClaim {
  return { task: chunk.task, id: chunk.id, execution: chunk.execution ?? "", attempt: chunk.attempts };
}

/**
 * Whether `execution` may claim the chunk when heartbeats older than `stale` count as silent and
 * it is `now` (ISO 8601): a backoff not over yet keeps a pending chunk back.
 */
export function claimable(
  chunk: Pick<Chunk, "state" | "execution" | "updatedAt" | "retryAt">,
  execution: string,
  stale: string,
  now: string,
): boolean {
  if (chunk.state === "pending") return !chunk.retryAt || chunk.retryAt <= now;
  return chunk.state === "copying" && (chunk.execution !== execution || chunk.updatedAt < stale);
}

/** Whether the chunk is still held by `claim` and copying. */
export function holds(chunk: Pick<Chunk, "state" | "execution" | "attempts"> | undefined, claim: ChunkClaim) {
  return (
    chunk?.state === "copying" && chunk.execution === claim.execution && chunk.attempts === claim.attempt
  );
}

/** Whether `claim` already marked the chunk done (a retried request finds its own write). */
export function doneBy(
  chunk: Pick<Chunk, "state" | "execution" | "attempts"> | undefined,
  claim: ChunkClaim,
) {
  return chunk?.state === "done" && chunk.execution === claim.execution && chunk.attempts === claim.attempt;
}

/** The order a worker tries candidates in: workers start at different places so they rarely race. */
export function claimOrder<T>(candidates: readonly T[], worker: number, workers: number): T[] {
  const offset =
    candidates.length === 0 ? 0 : Math.floor((worker * candidates.length) / Math.max(1, workers));
  return [...candidates.slice(offset), ...candidates.slice(0, offset)];
}

/**
 * A worker's chunk was claimed by someone else since (a FencedError, named so). `sameExecution`:
 * by another worker of its own execution, after its heartbeat went silent; that worker finishes
 * the chunk and this one goes on with the next. Otherwise a newer execution took over.
 */
export class ChunkLostError extends FencedError {
  readonly sameExecution: boolean;

  constructor(claim: ChunkClaim, holder: Pick<Chunk, "state" | "execution"> | undefined) {
    const where = `chunk ${claim.id} of task ${claim.task}`;
    const sameExecution = holder?.execution === claim.execution;
    super(
      !holder?.execution
        ? `${where} was planned again while ${claim.execution} copied it: the new plan copies it`
        : sameExecution
          ? `${where} was claimed again by another worker of ${claim.execution} after this worker's heartbeat went silent: that worker finishes it`
          : `${where} was claimed by another execution (${holder.execution ?? "none"}) while ${claim.execution} copied it: that execution finishes it`,
    );
    this.name = "FencedError";
    this.sameExecution = sameExecution;
  }
}
