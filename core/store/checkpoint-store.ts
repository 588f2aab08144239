import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
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

interface Item {
  task: string;
  owner?: string;
  epoch?: number;
  expiresAt?: number;
  checkpoint?: Checkpoint;
  stopRequested?: boolean;
}

const isConditionFailure = (error: unknown) => (error as Error).name === "ConditionalCheckFailedException";

/**
 * Checkpoints and leases in one DynamoDB item per task, so a checkpoint is written only by the
 * lease holder with the current epoch (conditional writes). A second writer cannot take the lease
 * while it is live; a writer whose lease was taken over gets FencedError on its next write.
 */
export class CheckpointStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async read(task: string): Promise<Item | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { task }, ConsistentRead: true }),
    );
    return result.Item as Item | undefined;
  }

  /** Takes the lease when it is free or expired (a new epoch), or renews our own. */
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
          ExpressionAttributeValues: {
            ":owner": owner,
            ":until": now + ttlMs,
            ":now": now,
            ":one": 1,
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      const item = result.Attributes as Item;
      return { task, owner, epoch: item.epoch ?? 1, expiresAt: item.expiresAt ?? now + ttlMs };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const holder = await this.read(task);
      throw new FencedError(
        `task ${task} is held by another tailer (${holder?.owner}, lease until ${new Date(holder?.expiresAt ?? 0).toISOString()}): this tailer makes no write`,
      );
    }
  }

  /** Extends the lease; FencedError when another tailer took it over. Returns whether a stop was requested. */
  async renew(lease: Lease, ttlMs: number): Promise<{ lease: Lease; stopRequested: boolean }> {
    const until = this.now() + ttlMs;
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { task: lease.task },
          UpdateExpression: "SET expiresAt = :until",
          ConditionExpression: "#owner = :owner AND epoch = :epoch",
          ExpressionAttributeNames: { "#owner": "owner" },
          ExpressionAttributeValues: { ":owner": lease.owner, ":epoch": lease.epoch, ":until": until },
          ReturnValues: "ALL_NEW",
        }),
      );
      return {
        lease: { ...lease, expiresAt: until },
        stopRequested: (result.Attributes as Item).stopRequested === true,
      };
    } catch (error) {
      if (isConditionFailure(error))
        throw new FencedError(`tailer ${lease.owner} lost the lease on ${lease.task}`);
      throw error;
    }
  }

  /** Writes the checkpoint, only while holding the lease with this epoch. */
  async save(lease: Lease, checkpoint: Checkpoint): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { task: lease.task },
          UpdateExpression: "SET #checkpoint = :checkpoint",
          ConditionExpression: "#owner = :owner AND epoch = :epoch",
          ExpressionAttributeNames: { "#owner": "owner", "#checkpoint": "checkpoint" },
          ExpressionAttributeValues: {
            ":owner": lease.owner,
            ":epoch": lease.epoch,
            ":checkpoint": checkpoint,
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error))
        throw new FencedError(`tailer ${lease.owner} lost the lease on ${lease.task}`);
      throw error;
    }
  }

  /** Gives the lease up (graceful stop), so the next tailer starts at once. */
  async release(lease: Lease): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: { task: lease.task },
          UpdateExpression: "SET expiresAt = :past",
          ConditionExpression: "#owner = :owner AND epoch = :epoch",
          ExpressionAttributeNames: { "#owner": "owner" },
          ExpressionAttributeValues: { ":owner": lease.owner, ":epoch": lease.epoch, ":past": 0 },
        }),
      )
      .catch((error) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  /** `dts stop`: asks the running tailer to stop after flushing its checkpoint. */
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

  /**
   * Withdraws an earlier `dts stop` before a tailer is launched. Taking the lease leaves the flag
   * alone, so a stop asked for while a tailer starts (a Fargate task takes a minute) is not lost.
   */
  async clearStop(task: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({ TableName: this.table, Key: { task }, UpdateExpression: "REMOVE stopRequested" }),
    );
  }

  /** Forgets the checkpoint (a new full load starts incremental migration from its own position). */
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
}
