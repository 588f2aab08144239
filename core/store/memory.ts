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
import { MemoryChunkLedger } from "./memory-ledger.ts";
import { type Clock, roundTrip, stored } from "./round-trip.ts";
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

export type { Clock };
export { MemoryChunkLedger, stored };

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
