import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { FencedError } from "../errors.ts";
import type { BinlogPosition } from "../model/position.ts";

/** The tailer's lease on a task: who writes, with which epoch, until when. */
export interface Lease {
  task: string;
  owner: string;
  epoch: number;
  /** Epoch milliseconds; the owner must stop writing before this unless it renews. */
  expiresAt: number;
}

export interface Checkpoint {
  position: BinlogPosition;
  /** Source commit time of the last applied transaction (epoch ms). */
  sourceTimestamp: number;
  updatedAt: string;
}

/** What is kept per task: the lease (holder, epoch, expiry), the checkpoint and a stop request. */
export interface CheckpointRecord {
  task: string;
  owner?: string;
  epoch?: number;
  expiresAt?: number;
  checkpoint?: Checkpoint;
  stopRequested?: boolean;
}

/**
 * The checkpoint and lease port. One writer per task: a lease is taken only when free, expired or
 * already ours (each take is a new epoch), and a checkpoint is written only by the holder of the
 * current epoch. A writer whose lease was taken over gets FencedError on its next renew or save.
 */
export interface CheckpointStore {
  read(task: string): Promise<CheckpointRecord | undefined>;
  /** Takes the lease when it is free or expired, or takes it again (new epoch) for the same owner. */
  acquire(task: string, owner: string, ttlMs: number): Promise<Lease>;
  /** Extends the lease; FencedError when another tailer took it over. Tells whether a stop was requested. */
  renew(lease: Lease, ttlMs: number): Promise<{ lease: Lease; stopRequested: boolean }>;
  /** Writes the checkpoint, only while holding the lease with this epoch (FencedError otherwise). */
  save(lease: Lease, checkpoint: Checkpoint): Promise<void>;
  /** Gives the lease up (graceful stop), so the next tailer starts at once; a lost lease is left alone. */
  release(lease: Lease): Promise<void>;
  /** `dts stop`: asks the running tailer to stop after flushing its checkpoint. */
  requestStop(task: string): Promise<void>;
  /**
   * Withdraws an earlier `dts stop` before a tailer is launched. Taking the lease leaves the flag
   * alone, so a stop asked for while a tailer starts (a Fargate task takes a minute) is not lost.
   */
  clearStop(task: string): Promise<void>;
  /** Forgets the checkpoint (a new full load starts incremental migration from its own position). */
  reset(task: string): Promise<void>;
  /** Removes the task's record (`dts delete`); refused with FencedError while a tailer holds a live lease. */
  remove(task: string): Promise<void>;
}

/** Whether `owner` may take the lease now: no holder, an expired lease, or its own. */
export function leaseAvailable(record: CheckpointRecord | undefined, owner: string, now: number): boolean {
  if (!record?.owner) return true;
  return (record.expiresAt !== undefined && record.expiresAt < now) || record.owner === owner;
}

/** Whether `lease` is the current one (owner and epoch): the condition of every lease holder's write. */
export function holdsLease(record: CheckpointRecord | undefined, lease: Lease): boolean {
  return record?.owner === lease.owner && record.epoch === lease.epoch;
}

export function leaseHeldError(task: string, holder: CheckpointRecord | undefined): FencedError {
  return new FencedError(
    `task ${task} is held by another tailer (${holder?.owner}, lease until ${new Date(holder?.expiresAt ?? 0).toISOString()}): this tailer makes no write`,
  );
}

export function leaseLostError(lease: Lease): FencedError {
  return new FencedError(`tailer ${lease.owner} lost the lease on ${lease.task}`);
}

const isConditionFailure = (error: unknown) => (error as Error).name === "ConditionalCheckFailedException";

/** Checkpoints and leases in one DynamoDB item per task, written with conditional writes. */
export class DynamoCheckpointStore implements CheckpointStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async read(task: string): Promise<CheckpointRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { task }, ConsistentRead: true }),
    );
    return result.Item as CheckpointRecord | undefined;
  }

  async acquire(task: string, owner: string, ttlMs: number): Promise<Lease> {
    const now = this.now();
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { task },
          UpdateExpression: "SET #owner = :owner, expiresAt = :until ADD epoch :one",
          ConditionExpression: "attribute_not_exists(#owner) OR expiresAt < :now OR #owner = :owner",
          ExpressionAttributeNames: { "#owner": "owner" },
          ExpressionAttributeValues: { ":owner": owner, ":until": now + ttlMs, ":now": now, ":one": 1 },
          ReturnValues: "ALL_NEW",
        }),
      );
      const item = result.Attributes as CheckpointRecord;
      return { task, owner, epoch: item.epoch ?? 1, expiresAt: item.expiresAt ?? now + ttlMs };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw leaseHeldError(task, await this.read(task));
    }
  }

  async renew(lease: Lease, ttlMs: number): Promise<{ lease: Lease; stopRequested: boolean }> {
    const until = this.now() + ttlMs;
    const result = await this.whileHolding(lease, "SET expiresAt = :until", { ":until": until }, "ALL_NEW");
    return {
      lease: { ...lease, expiresAt: until },
      stopRequested: result?.stopRequested === true,
    };
  }

  async save(lease: Lease, checkpoint: Checkpoint): Promise<void> {
    await this.whileHolding(lease, "SET #checkpoint = :checkpoint", { ":checkpoint": checkpoint });
  }

  async release(lease: Lease): Promise<void> {
    await this.whileHolding(lease, "SET expiresAt = :past", { ":past": 0 }).catch((error) => {
      if (!(error instanceof FencedError)) throw error;
    });
  }

  async requestStop(task: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { task },
        UpdateExpression: "SET stopRequested = :yes",
        ExpressionAttributeValues: { ":yes": true },
      }),
    );
  }

  async clearStop(task: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({ TableName: this.table, Key: { task }, UpdateExpression: "REMOVE stopRequested" }),
    );
  }

  async reset(task: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { task },
        UpdateExpression: "REMOVE #checkpoint",
        ExpressionAttributeNames: { "#checkpoint": "checkpoint" },
      }),
    );
  }

  async remove(task: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { task },
          ConditionExpression: "attribute_not_exists(#owner) OR expiresAt <= :now",
          ExpressionAttributeNames: { "#owner": "owner" },
          ExpressionAttributeValues: { ":now": this.now() },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw leaseHeldError(task, await this.read(task));
    }
  }

  /** An update made only while `lease` is current; FencedError otherwise. */
  private async whileHolding(
    lease: Lease,
    expression: string,
    values: Record<string, unknown>,
    returnValues: "ALL_NEW" | "NONE" = "NONE",
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { task: lease.task },
          UpdateExpression: expression,
          ConditionExpression: "#owner = :owner AND epoch = :epoch",
          ExpressionAttributeNames: {
            "#owner": "owner",
            ...(expression.includes("#checkpoint") ? { "#checkpoint": "checkpoint" } : {}),
          },
          ExpressionAttributeValues: { ":owner": lease.owner, ":epoch": lease.epoch, ...values },
          ReturnValues: returnValues,
        }),
      );
      return result.Attributes;
    } catch (error) {
      if (isConditionFailure(error)) throw leaseLostError(lease);
      throw error;
    }
  }
}
