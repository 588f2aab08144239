import type { Chunk, ChunkError, LedgerSummary, PlanCursor } from "./chunk.ts";
import { chunkId, summarize } from "./chunk.ts";
import {
  type ChunkClaim,
  ChunkLostError,
  CLAIM_ROUNDS,
  COPYING_END,
  claimable,
  claimKey,
  claimOrder,
  claimPage,
  DEFAULT_CHUNK_HEARTBEAT_TIMEOUT_MS,
  doneBy,
  dueKey,
  holds,
  RETRY_KEYS,
  staleBefore,
  staleKey,
} from "./chunk-claim.ts";
import type { ChunkLedger, ChunkLedgerOptions } from "./chunk-ledger.ts";
import { type Clock, roundTrip, stored } from "./round-trip.ts";

/**
 * The chunk ledger in memory, behaving as the DynamoDB adapter does (test/support/store-contract.ts
 * runs one suite against both): claims pick their candidates in claim-index order, then write each
 * with a conditional check and no yield in between.
 */
export class MemoryChunkLedger implements ChunkLedger {
  readonly heartbeatTimeoutMs: number;
  /** Chunks by task, then by id. */
  private readonly ledgers = new Map<string, Map<string, Chunk>>();
  /** Plan cursors by task. */
  private readonly cursors = new Map<string, PlanCursor>();

  constructor(
    private readonly now: Clock = Date.now,
    options: ChunkLedgerOptions = {},
  ) {
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? DEFAULT_CHUNK_HEARTBEAT_TIMEOUT_MS;
  }

  async list(task: string, options: { notDone?: boolean } = {}): Promise<Chunk[]> {
    await roundTrip();
    return this.chunks(task)
      .filter((c) => !options.notDone || c.state !== "done")
      .map(stored);
  }

  async summary(task: string): Promise<LedgerSummary> {
    await roundTrip();
    return summarize(this.chunks(task));
  }

  async replace(task: string, chunks: Chunk[]): Promise<void> {
    await roundTrip();
    this.ledgers.delete(task);
    this.cursors.delete(task);
    for (const chunk of chunks) {
      const ledger = this.ledgers.get(chunk.task) ?? new Map<string, Chunk>();
      ledger.set(chunk.id, stored(chunk));
      this.ledgers.set(chunk.task, ledger);
    }
  }

  async append(task: string, chunks: Chunk[], cursor: PlanCursor): Promise<void> {
    await roundTrip();
    const ledger = this.ledgers.get(task) ?? new Map<string, Chunk>();
    for (const chunk of chunks) ledger.set(chunk.id, stored(chunk));
    this.ledgers.set(task, ledger);
    this.cursors.set(task, stored(cursor));
  }

  async planCursor(task: string): Promise<PlanCursor | undefined> {
    await roundTrip();
    const cursor = this.cursors.get(task);
    if (!cursor) return undefined;
    const next = chunkId(cursor.table, cursor.chunk);
    for (const id of this.ledgers.get(task)?.keys() ?? []) if (id >= next) this.ledgers.get(task)?.delete(id);
    return stored(cursor);
  }

  async claim(task: string, execution: string, worker: number, workers: number): Promise<Chunk | undefined> {
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      const now = this.now();
      const stale = staleBefore(now, this.heartbeatTimeoutMs);
      const candidates = await this.candidates(task, execution, stale, now, claimPage(workers));
      if (candidates.length === 0) return undefined;
      for (const id of claimOrder(candidates, worker, workers)) {
        await roundTrip();
        const current = this.ledgers.get(task)?.get(id);
        if (!current || !claimable(current, execution, stale, new Date(now).toISOString())) continue;
        delete current.retryAt;
        Object.assign(current, {
          state: "copying",
          execution,
          updatedAt: new Date(now).toISOString(),
          rows: 0,
          attempts: (current.attempts ?? 0) + 1,
        });
        return stored(current);
      }
    }
    return undefined;
  }

  /** As the claim index answers: the first `page` claimable keys, else due retries; else fresh ones of other executions. */
  private async candidates(
    task: string,
    execution: string,
    stale: string,
    now: number,
    page: number,
  ): Promise<string[]> {
    await roundTrip();
    const index = this.chunks(task)
      .map((chunk) => ({ chunk, key: claimKey(chunk) }))
      .filter((entry): entry is { chunk: Chunk; key: string } => entry.key !== undefined)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const below = staleKey(stale);
    const open = index.filter((e) => e.key < below).slice(0, page);
    if (open.length > 0) return open.map((e) => e.chunk.id);
    const due = dueKey(new Date(now).toISOString());
    const retries = index.filter((e) => e.key >= RETRY_KEYS && e.key <= due).slice(0, page);
    if (retries.length > 0) return retries.map((e) => e.chunk.id);
    return index
      .filter((e) => e.key >= below && e.key <= COPYING_END && e.chunk.execution !== execution)
      .map((e) => e.chunk.id);
  }

  async progress(claim: ChunkClaim, rows: number): Promise<boolean> {
    await roundTrip();
    const current = this.ledgers.get(claim.task)?.get(claim.id);
    if (!current || !holds(current, claim)) return false;
    Object.assign(current, { rows, updatedAt: this.timestamp() });
    return true;
  }

  async release(claim: ChunkClaim, failure?: { error: ChunkError; retryAt: string }): Promise<void> {
    await roundTrip();
    const current = this.ledgers.get(claim.task)?.get(claim.id);
    if (!current || !holds(current, claim)) return;
    Object.assign(current, { state: "pending", rows: 0, updatedAt: this.timestamp() });
    if (failure) Object.assign(current, { lastError: stored(failure.error), retryAt: failure.retryAt });
    delete current.execution;
  }

  async fail(claim: ChunkClaim, error: ChunkError): Promise<boolean> {
    await roundTrip();
    const current = this.ledgers.get(claim.task)?.get(claim.id);
    if (!current || !holds(current, claim)) return false;
    Object.assign(current, { state: "failed", lastError: stored(error), updatedAt: this.timestamp() });
    return true;
  }

  async failed(task: string): Promise<Chunk[]> {
    await roundTrip();
    return this.chunks(task)
      .filter((c) => c.state === "failed")
      .map(stored);
  }

  async reopen(task: string, execution: string): Promise<number> {
    await roundTrip();
    const reopened = this.chunks(task).filter((c) => c.state === "failed" && c.execution !== execution);
    for (const chunk of reopened) {
      Object.assign(chunk, { state: "pending", attempts: 0, rows: 0, updatedAt: this.timestamp() });
      delete chunk.execution;
      delete chunk.retryAt;
    }
    return reopened.length;
  }

  async markDone(claim: ChunkClaim, rows: number): Promise<void> {
    await roundTrip();
    const current = this.ledgers.get(claim.task)?.get(claim.id);
    if (doneBy(current, claim)) return;
    if (!current || !holds(current, claim)) throw new ChunkLostError(claim, current && stored(current));
    Object.assign(current, { state: "done", rows, updatedAt: this.timestamp() });
  }

  /** The task's chunks in id order (the stored objects). */
  private chunks(task: string): Chunk[] {
    return [...(this.ledgers.get(task)?.values() ?? [])].sort((a, b) =>
      a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}
