import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
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
  checksum?: string;
  /** Copies started; more than one means a copy was interrupted and its range is cleared first. */
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

/** The chunk ledger in DynamoDB: partition key task, sort key id. */
export class ChunkLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
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
    const chunks = await this.list(task);
    return {
      chunks: chunks.length,
      done: chunks.filter((c) => c.state === "done").length,
      estimatedRows: chunks.reduce((n, c) => n + c.estimatedRows, 0),
      rowsCopied: chunks.reduce((n, c) => n + (c.rows ?? 0), 0),
    };
  }

  /** Replaces the task's ledger with a new plan. */
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

  /**
   * Claims a chunk for `execution`: a pending one, or one a previous (interrupted) execution left
   * in copying. Returns the chunk as it was before the claim, or undefined when none is left.
   */
  async claim(task: string, execution: string, worker: number, workers: number): Promise<Chunk | undefined> {
    const candidates = (await this.list(task, { notDone: true })).filter(
      (c) => c.state === "pending" || c.execution !== execution,
    );
    // Workers start at different places so they rarely race for the same chunk.
    const offset =
      candidates.length === 0 ? 0 : Math.floor((worker * candidates.length) / Math.max(1, workers));
    for (let i = 0; i < candidates.length; i++) {
      const chunk = candidates[(offset + i) % candidates.length] as Chunk;
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
              ":now": new Date().toISOString(),
              ":zero": 0,
              ":one": 1,
            },
          }),
        );
        return chunk;
      } catch (error) {
        if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
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
            ":now": new Date().toISOString(),
            ":me": execution,
            ":copying": "copying",
          },
        }),
      )
      .catch((error: Error) => {
        if (error.name !== "ConditionalCheckFailedException") throw error;
      });
  }

  async markDone(task: string, id: string, execution: string, rows: number, checksum: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { task, id },
        UpdateExpression: "SET #state = :done, #rows = :rows, checksum = :checksum, updatedAt = :now",
        ConditionExpression: "execution = :me",
        ExpressionAttributeNames: { "#state": "state", "#rows": "rows" },
        ExpressionAttributeValues: {
          ":done": "done",
          ":rows": rows,
          ":checksum": checksum,
          ":now": new Date().toISOString(),
          ":me": execution,
        },
      }),
    );
  }
}
