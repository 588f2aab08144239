import type { PrecheckReport } from "../precheck/types.ts";
import type { TaskSpec } from "../spec/schema.ts";
import type { Phase } from "../task/phases.ts";
import {
  type Checkpoint,
  type CheckpointRecord,
  type CheckpointStore,
  holdsLease,
  type Lease,
  leaseAvailable,
  leaseHeldError,
  leaseLostError,
} from "./checkpoint-store.ts";
import {
  type Chunk,
  type ChunkLedger,
  chunkLostError,
  claimable,
  claimOrder,
  type LedgerSummary,
  summarize,
} from "./chunk-ledger.ts";
import {
  type OutcomeField,
  storedFailure,
  type TaskRecord,
  type TaskStore,
  taskMissingError,
} from "./task-store.ts";

/*
 * In-memory stores that behave like the DynamoDB adapters (test/support/store-contract.ts runs
 * the same suite against both): each call yields once, as a round trip would, so concurrent
 * callers interleave; each conditional write checks and writes with no yield in between, as
 * DynamoDB does; values go in and come out as copies without undefined attributes.
 */

export type Clock = () => number;

/** A value as a DynamoDB round trip leaves it: a deep copy without undefined attributes. */
export function stored<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(stored) as T;
  if (value instanceof Uint8Array) return Uint8Array.from(value) as T;
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return Object.fromEntries(entries.map(([k, v]) => [k, stored(v)])) as T;
}

const roundTrip = () => new Promise<void>((resolve) => queueMicrotask(resolve));

export class MemoryTaskStore implements TaskStore {
  private readonly tasks = new Map<string, TaskRecord>();

  constructor(private readonly now: Clock = Date.now) {}

  async saveSpec(spec: TaskSpec): Promise<TaskRecord> {
    await roundTrip();
    const now = this.timestamp();
    const existing = this.tasks.get(spec.name);
    const { lastError: _dropped, ...kept } = existing ?? ({} as Partial<TaskRecord>);
    const record: TaskRecord = {
      ...kept,
      name: spec.name,
      spec: stored(spec),
      phase: existing?.phase ?? "created",
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    this.tasks.set(spec.name, record);
    return stored(record);
  }

  async get(name: string): Promise<TaskRecord | undefined> {
    await roundTrip();
    const record = this.tasks.get(name);
    return record && stored(record);
  }

  async list(): Promise<TaskRecord[]> {
    await roundTrip();
    return [...this.tasks.values()].map(stored).sort((a, b) => a.name.localeCompare(b.name));
  }

  async setPhase(name: string, phase: Phase): Promise<void> {
    await this.update(name, { phase });
  }

  async savePrecheck(name: string, report: PrecheckReport): Promise<void> {
    await this.update(name, { phase: report.passed ? "prechecked" : "precheck-failed", precheck: report });
  }

  async recordFailure(
    name: string,
    failure: { error: string; cause: string; state?: string },
  ): Promise<void> {
    await this.update(name, { phase: "failed", lastError: storedFailure(failure, this.timestamp()) });
  }

  async saveOutcome<K extends OutcomeField>(
    name: string,
    field: K,
    value: TaskRecord[K],
    phase?: Phase,
  ): Promise<void> {
    await this.update(name, { [field]: value, ...(phase ? { phase } : {}) });
  }

  private async update(name: string, changes: Partial<TaskRecord>): Promise<void> {
    await roundTrip();
    const record = this.tasks.get(name);
    if (!record) throw taskMissingError(name);
    Object.assign(record, stored(changes), { updatedAt: this.timestamp() });
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}

export class MemoryChunkLedger implements ChunkLedger {
  /** Chunks by task, then by id. */
  private readonly ledgers = new Map<string, Map<string, Chunk>>();

  constructor(private readonly now: Clock = Date.now) {}

  async list(task: string, options: { notDone?: boolean } = {}): Promise<Chunk[]> {
    await roundTrip();
    const chunks = [...(this.ledgers.get(task)?.values() ?? [])]
      .filter((c) => !options.notDone || c.state !== "done")
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return chunks.map(stored);
  }

  async summary(task: string): Promise<LedgerSummary> {
    return summarize(await this.list(task));
  }

  async replace(task: string, chunks: Chunk[]): Promise<void> {
    await roundTrip();
    this.ledgers.delete(task);
    for (const chunk of chunks) {
      const ledger = this.ledgers.get(chunk.task) ?? new Map<string, Chunk>();
      ledger.set(chunk.id, stored(chunk));
      this.ledgers.set(chunk.task, ledger);
    }
  }

  async claim(task: string, execution: string, worker: number, workers: number): Promise<Chunk | undefined> {
    const candidates = (await this.list(task, { notDone: true })).filter((c) => claimable(c, execution));
    for (const chunk of claimOrder(candidates, worker, workers)) {
      await roundTrip();
      const current = this.ledgers.get(task)?.get(chunk.id);
      if (!current || !claimable(current, execution)) continue;
      Object.assign(current, {
        state: "copying",
        execution,
        updatedAt: this.timestamp(),
        rows: 0,
        attempts: (current.attempts ?? 0) + 1,
      });
      return chunk;
    }
    return undefined;
  }

  async progress(task: string, id: string, execution: string, rows: number): Promise<void> {
    await roundTrip();
    const current = this.ledgers.get(task)?.get(id);
    if (current?.execution !== execution || current.state !== "copying") return;
    Object.assign(current, { rows, updatedAt: this.timestamp() });
  }

  async markDone(task: string, id: string, execution: string, rows: number): Promise<void> {
    await roundTrip();
    const current = this.ledgers.get(task)?.get(id);
    if (current?.execution !== execution) throw chunkLostError(task, id, execution);
    Object.assign(current, { state: "done", rows, updatedAt: this.timestamp() });
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}

export class MemoryCheckpointStore implements CheckpointStore {
  private readonly records = new Map<string, CheckpointRecord>();

  constructor(private readonly now: Clock = Date.now) {}

  async read(task: string): Promise<CheckpointRecord | undefined> {
    await roundTrip();
    const record = this.records.get(task);
    return record && stored(record);
  }

  async acquire(task: string, owner: string, ttlMs: number): Promise<Lease> {
    await roundTrip();
    const now = this.now();
    const record = this.records.get(task);
    if (!leaseAvailable(record, owner, now)) throw leaseHeldError(task, record && stored(record));
    const lease = { task, owner, epoch: (record?.epoch ?? 0) + 1, expiresAt: now + ttlMs };
    this.records.set(task, { ...record, ...lease });
    return { ...lease };
  }

  async renew(lease: Lease, ttlMs: number): Promise<{ lease: Lease; stopRequested: boolean }> {
    const expiresAt = this.now() + ttlMs;
    const record = await this.holding(lease);
    record.expiresAt = expiresAt;
    return { lease: { ...lease, expiresAt }, stopRequested: record.stopRequested === true };
  }

  async save(lease: Lease, checkpoint: Checkpoint): Promise<void> {
    (await this.holding(lease)).checkpoint = stored(checkpoint);
  }

  async release(lease: Lease): Promise<void> {
    await roundTrip();
    const record = this.records.get(lease.task);
    if (record && holdsLease(record, lease)) record.expiresAt = 0;
  }

  async requestStop(task: string): Promise<void> {
    (await this.item(task)).stopRequested = true;
  }

  async clearStop(task: string): Promise<void> {
    delete (await this.item(task)).stopRequested;
  }

  async reset(task: string): Promise<void> {
    delete (await this.item(task)).checkpoint;
  }

  /** The task's item, created when missing (an update in DynamoDB creates the item it names). */
  private async item(task: string): Promise<CheckpointRecord> {
    await roundTrip();
    const record = this.records.get(task) ?? { task };
    this.records.set(task, record);
    return record;
  }

  /** The item, when `lease` is the current lease on it; FencedError otherwise. */
  private async holding(lease: Lease): Promise<CheckpointRecord> {
    await roundTrip();
    const record = this.records.get(lease.task);
    if (!record || !holdsLease(record, lease)) throw leaseLostError(lease);
    return record;
  }
}

/** The three stores in memory, sharing one clock. */
export function memoryStores(now: Clock = Date.now): {
  tasks: MemoryTaskStore;
  ledger: MemoryChunkLedger;
  checkpoints: MemoryCheckpointStore;
} {
  return {
    tasks: new MemoryTaskStore(now),
    ledger: new MemoryChunkLedger(now),
    checkpoints: new MemoryCheckpointStore(now),
  };
}
