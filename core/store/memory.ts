import { canMove, moveRefused, type Phase, PhaseMoveError } from "../model/phase.ts";
import type { PrecheckReport } from "../model/precheck-report.ts";
import type { TaskSpec } from "../spec/schema.ts";
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
  HISTORY_KEEP_MS,
  historyFloor,
  hourOf,
  packSample,
  samplesAfter,
  unpackSample,
} from "./task-history.ts";
import { BULKY_FIELDS, packField, packSpec, taskItems } from "./task-items.ts";
import {
  type HistorySample,
  type OutcomeField,
  RESTART_FORGETS,
  storedFailure,
  type TaskListing,
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
  private readonly samples = new Map<string, HistorySample[]>();

  constructor(private readonly now: Clock = Date.now) {}

  async saveSpec(spec: TaskSpec): Promise<TaskRecord> {
    await roundTrip();
    packSpec(spec); // refused as the DynamoDB adapter refuses a spec too large for its item
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

  async list(): Promise<TaskListing[]> {
    await roundTrip();
    return [...this.tasks.values()]
      .map((record) => {
        const listed: Partial<TaskRecord> = stored(record);
        for (const field of BULKY_FIELDS) delete listed[field];
        return listed as TaskListing;
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The items the DynamoDB adapter would keep the task in (core/store/task-items.ts): for size checks. */
  async items(name: string): Promise<Record<string, unknown>[]> {
    await roundTrip();
    const record = this.tasks.get(name);
    return record ? taskItems(stored(record)) : [];
  }

  async setPhase(name: string, phase: Phase): Promise<void> {
    await this.update(name, { phase }, phase);
  }

  async savePrecheck(name: string, report: PrecheckReport): Promise<void> {
    const phase = report.passed ? "prechecked" : "precheck-failed";
    packField(name, "precheck", report);
    await this.update(name, { phase, precheck: report }, phase);
  }

  async recordFailure(
    name: string,
    failure: { error: string; cause: string; state?: string },
  ): Promise<void> {
    const lastError = storedFailure(failure, this.timestamp());
    await this.update(name, { phase: "failed", lastError }, "failed").catch(async (error) => {
      if (!(error instanceof PhaseMoveError)) throw error;
      await this.update(name, { lastError });
    });
  }

  async saveOutcome<K extends OutcomeField>(
    name: string,
    field: K,
    value: TaskRecord[K],
    phase?: Phase,
  ): Promise<void> {
    if ((BULKY_FIELDS as readonly string[]).includes(field) && value !== undefined)
      packField(name, field as (typeof BULKY_FIELDS)[number], value);
    await this.update(name, { [field]: value, ...(phase ? { phase } : {}) }, phase);
  }

  async restart(name: string): Promise<void> {
    await this.update(name, { phase: "created" });
    const record = this.tasks.get(name) as TaskRecord;
    for (const field of RESTART_FORGETS) delete record[field];
    if (record.schema) delete record.schema.completedAt;
    this.samples.delete(name);
  }

  async remove(name: string): Promise<void> {
    await roundTrip();
    this.tasks.delete(name);
    this.samples.delete(name);
  }

  async appendHistory(name: string, sample: HistorySample): Promise<void> {
    await roundTrip();
    // The same bound as the TTL in DynamoDB: a day of samples, no more.
    const kept = (this.samples.get(name) ?? []).filter(
      (s) => Date.parse(s.at) > this.now() - HISTORY_KEEP_MS,
    );
    // Rounded as the DynamoDB adapter packs it (core/store/task-history.ts).
    const at = Date.parse(sample.at);
    this.samples.set(name, [...kept, unpackSample(hourOf(at), packSample(sample))]);
  }

  async history(name: string, since?: number): Promise<HistorySample[]> {
    await roundTrip();
    return samplesAfter(this.samples.get(name) ?? [], historyFloor(this.now(), since)).map(stored);
  }

  /** One conditional write: the task exists and, for a move to `phase`, its phase allows it. */
  private async update(name: string, changes: Partial<TaskRecord>, phase?: Phase): Promise<void> {
    await roundTrip();
    const record = this.tasks.get(name);
    if (!record) throw taskMissingError(name);
    if (phase && !canMove(record.phase, phase)) throw moveRefused(name, record.phase, phase);
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

  async remove(task: string): Promise<void> {
    await roundTrip();
    const record = this.records.get(task);
    if (record?.owner && (record.expiresAt ?? 0) > this.now()) throw leaseHeldError(task, record);
    this.records.delete(task);
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
