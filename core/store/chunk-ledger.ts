import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { FencedError } from "../errors.ts";
import type { KeyRange } from "../model/key-range.ts";

export type ChunkState = "pending" | "copying" | "done";

/** One chunk of the full load: a key range of one table and how far its copy got. */
export interface Chunk extends KeyRange {
  task: string;
  /** Sortable id: t<table index>#c<chunk index>. */
  id: string;
  tableIndex: number;
  /** Source table, database.table. */
  table: string;
  /** Rows in the range before the filter, counted while planning. */
  estimatedRows: number;
  state: ChunkState;
  /** Rows copied (progress while copying, final when done). */
  rows: number;
  /**
   * Copies started. More than one means an earlier copy was interrupted: the range is copied again
   * whole over what it left (REPLACE or upsert, so the rows end the same; Kafka receives them again).
   */
  attempts: number;
  /** The execution that holds the chunk while copying. */
  execution?: string;
  updatedAt: string;
}

export interface LedgerSummary {
  chunks: number;
  done: number;
  estimatedRows: number;
  rowsCopied: number;
}

export function chunkId(tableIndex: number, index: number): string {
  return `t${String(tableIndex).padStart(5, "0")}#c${String(index).padStart(7, "0")}`;
}

/** The chunk ledger port: the full load's plan and how far each chunk's copy got. */
export interface ChunkLedger {
  /** The task's chunks in id order (only those not done with `notDone`). */
  list(task: string, options?: { notDone?: boolean }): Promise<Chunk[]>;
  summary(task: string): Promise<LedgerSummary>;
  /** Replaces the task's ledger with a new plan. */
  replace(task: string, chunks: Chunk[]): Promise<void>;
  /**
   * Claims a chunk for `execution`: a pending one, or one another (interrupted) execution left in
   * copying; never one this execution holds, so its workers never share a chunk. Returns the chunk
   * as it was before the claim, or undefined when none is left.
   */
  claim(task: string, execution: string, worker: number, workers: number): Promise<Chunk | undefined>;
  /** Rows copied so far; ignored unless `execution` holds the chunk and it is still copying. */
  progress(task: string, id: string, execution: string, rows: number): Promise<void>;
  /** Marks the chunk done; FencedError when another execution has claimed it since. */
  markDone(task: string, id: string, execution: string, rows: number): Promise<void>;
}

export function summarize(chunks: readonly Chunk[]): LedgerSummary {
  return {
    chunks: chunks.length,
    done: chunks.filter((c) => c.state === "done").length,
    estimatedRows: chunks.reduce((n, c) => n + c.estimatedRows, 0),
    rowsCopied: chunks.reduce((n, c) => n + (c.rows ?? 0), 0),
  };
}

/** Whether `execution` may claim the chunk: pending, or copying for another execution. */
export function claimable(chunk: Pick<Chunk, "state" | "execution">, execution: string): boolean {
  return chunk.state === "pending" || (chunk.state === "copying" && chunk.execution !== execution);
}

/** The order a worker tries candidates in: workers start at different places so they rarely race. */
export function claimOrder(candidates: readonly Chunk[], worker: number, workers: number): Chunk[] {
  const offset =
    candidates.length === 0 ? 0 : Math.floor((worker * candidates.length) / Math.max(1, workers));
  return [...candidates.slice(offset), ...candidates.slice(0, offset)];
}

export function chunkLostError(task: string, id: string, execution: string): FencedError {
  return new FencedError(
    `chunk ${id} of task ${task} was claimed by another execution while ${execution} copied it: that execution finishes it`,
  );
}

const isConditionFailure = (error: unknown) => (error as Error).name === "ConditionalCheckFailedException";

/** The chunk ledger in DynamoDB: partition key task, sort key id; claims are conditional writes. */
export class DynamoChunkLedger implements ChunkLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async list(task: string, options: { notDone?: boolean } = {}): Promise<Chunk[]> {
    const items: Chunk[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "task = :task",
          ExpressionAttributeValues: { ":task": task, ...(options.notDone ? { ":done": "done" } : {}) },
          ...(options.notDone
            ? { FilterExpression: "#state <> :done", ExpressionAttributeNames: { "#state": "state" } }
            : {}),
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      items.push(...((page.Items ?? []) as Chunk[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async summary(task: string): Promise<LedgerSummary> {
    return summarize(await this.list(task));
  }

  async replace(task: string, chunks: Chunk[]): Promise<void> {
    const existing = await this.list(task);
    await this.batch(existing.map((c) => ({ DeleteRequest: { Key: { task, id: c.id } } })));
    await this.batch(chunks.map((c) => ({ PutRequest: { Item: c } })));
  }

  private async batch(requests: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < requests.length; i += 25) {
      let pending: Record<string, unknown>[] | undefined = requests.slice(i, i + 25);
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        const result = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.table]: pending as never } }),
        );
        pending = result.UnprocessedItems?.[this.table] as Record<string, unknown>[] | undefined;
        if (pending?.length) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
  }

  async claim(task: string, execution: string, worker: number, workers: number): Promise<Chunk | undefined> {
    const candidates = (await this.list(task, { notDone: true })).filter((c) => claimable(c, execution));
    for (const chunk of claimOrder(candidates, worker, workers)) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { task, id: chunk.id },
            UpdateExpression:
              "SET #state = :copying, execution = :me, updatedAt = :now, #rows = :zero ADD attempts :one",
            ConditionExpression: "#state = :pending OR (#state = :copying AND execution <> :me)",
            ExpressionAttributeNames: { "#state": "state", "#rows": "rows" },
            ExpressionAttributeValues: {
              ":copying": "copying",
              ":pending": "pending",
              ":me": execution,
              ":now": this.timestamp(),
              ":zero": 0,
              ":one": 1,
            },
          }),
        );
        return chunk;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return undefined;
  }

  async progress(task: string, id: string, execution: string, rows: number): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: { task, id },
          UpdateExpression: "SET #rows = :rows, updatedAt = :now",
          ConditionExpression: "execution = :me AND #state = :copying",
          ExpressionAttributeNames: { "#rows": "rows", "#state": "state" },
          ExpressionAttributeValues: {
            ":rows": rows,
            ":now": this.timestamp(),
            ":me": execution,
            ":copying": "copying",
          },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  async markDone(task: string, id: string, execution: string, rows: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { task, id },
          UpdateExpression: "SET #state = :done, #rows = :rows, updatedAt = :now",
          ConditionExpression: "execution = :me",
          ExpressionAttributeNames: { "#state": "state", "#rows": "rows" },
          ExpressionAttributeValues: {
            ":done": "done",
            ":rows": rows,
            ":now": this.timestamp(),
            ":me": execution,
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw chunkLostError(task, id, execution);
      throw error;
    }
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}
