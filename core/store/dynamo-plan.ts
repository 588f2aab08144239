import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  type Chunk,
  chunkId,
  chunkIndexes,
  PLAN_RECORD,
  type PlanCursor,
  TABLE_PLAN_PREFIX,
  type TableProgress,
  tablePlanId,
} from "./chunk.ts";
import { claimKey } from "./chunk-claim.ts";
import { batchWrite, isConditionFailure, queryAll } from "./dynamo-requests.ts";

/*
 * The planning side of the DynamoDB chunk ledger: chunks appended as the planner finds them, and
 * the plan cursor in the plan record (id PLAN_RECORD) beside the counts summary() reads.
 */

/** Writes the chunks (BatchWrite), then moves the cursor and adds them to the plan record's counts. */
export async function appendPlanned(
  client: DynamoDBDocumentClient,
  table: string,
  task: string,
  chunks: Chunk[],
  cursor: PlanCursor,
): Promise<void> {
  await batchWrite(
    client,
    table,
    chunks.map((c) => ({ PutRequest: { Item: { ...c, task, claimKey: claimKey(c) } } })),
  );
  await countPlannedTables(client, table, task, chunks);
  // After the chunks: a planner cut short between the two leaves the cursor where it was, and
  // the next one writes those chunks again (same ids) or planCursor() drops them.
  await client.send(
    new UpdateCommand({
      TableName: table,
      Key: { task, id: PLAN_RECORD },
      UpdateExpression:
        "SET #cursor = :cursor ADD #chunks :n, estimatedRows :rows, #done :zero, rowsDone :zero",
      ExpressionAttributeNames: { "#cursor": "cursor", "#chunks": "chunks", "#done": "done" },
      ExpressionAttributeValues: {
        ":cursor": cursor,
        ":n": chunks.length,
        ":rows": chunks.reduce((n, c) => n + c.estimatedRows, 0),
        ":zero": 0,
      },
    }),
  );
}

/** The plan record's cursor; the chunks at or past it (never counted) are deleted first. */
export async function readPlanCursor(
  client: DynamoDBDocumentClient,
  table: string,
  task: string,
): Promise<PlanCursor | undefined> {
  const { Item } = await client.send(
    new GetCommand({ TableName: table, Key: { task, id: PLAN_RECORD }, ConsistentRead: true }),
  );
  const cursor = (Item as { cursor?: PlanCursor } | undefined)?.cursor;
  if (!cursor) return undefined;
  // Chunk ids sort by (table, chunk), after the plan record: a range read finds exactly those past the cursor.
  const beyond = await queryAll(client, {
    TableName: table,
    KeyConditionExpression: "task = :task AND id >= :next",
    ExpressionAttributeValues: { ":task": task, ":next": chunkId(cursor.table, cursor.chunk) },
    ProjectionExpression: "id",
    ConsistentRead: true,
  });
  await batchWrite(
    client,
    table,
    beyond.map((c) => ({ DeleteRequest: { Key: { task, id: c.id } } })),
  );
  return cursor;
}

/**
 * Adds appended chunks to their tables' items (id TABLE_PLAN_PREFIX + table index). Each item
 * remembers the last chunk it counted, so chunks written again after a planner was cut short are
 * not counted twice.
 */
export async function countPlannedTables(
  client: DynamoDBDocumentClient,
  table: string,
  task: string,
  chunks: readonly Chunk[],
): Promise<void> {
  type Entry = { name: string; first: number; last: number; n: number; rows: number };
  const byTable = new Map<number, Entry>();
  for (const c of chunks) {
    const index = chunkIndexes(c.id).chunk;
    const entry = byTable.get(c.tableIndex) ?? { name: c.table, first: index, last: index, n: 0, rows: 0 };
    entry.first = Math.min(entry.first, index);
    entry.last = Math.max(entry.last, index);
    entry.n += 1;
    entry.rows += c.estimatedRows;
    byTable.set(c.tableIndex, entry);
  }
  const count = async ([tableIndex, entry]: [number, Entry]) => {
    try {
      await client.send(
        new UpdateCommand({
          TableName: table,
          Key: { task, id: tablePlanId(tableIndex) },
          UpdateExpression:
            "SET #table = :name, plannedThrough = :last ADD #chunks :n, estimatedRows :rows, #done :zero, rowsDone :zero",
          ConditionExpression: "attribute_not_exists(plannedThrough) OR plannedThrough < :first",
          ExpressionAttributeNames: { "#table": "table", "#chunks": "chunks", "#done": "done" },
          ExpressionAttributeValues: {
            ":name": entry.name,
            ":last": entry.last,
            ":first": entry.first,
            ":n": entry.n,
            ":rows": entry.rows,
            ":zero": 0,
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  };
  // An append of many small tables updates one item per table: a few at a time.
  const entries = [...byTable];
  for (let at = 0; at < entries.length; at += 10) await Promise.all(entries.slice(at, at + 10).map(count));
}

/** The tables' items, in plan order, with the rows of chunks being copied (`copying`) added. */
export async function readTableProgress(
  client: DynamoDBDocumentClient,
  table: string,
  task: string,
  copying: readonly Record<string, unknown>[],
): Promise<TableProgress[]> {
  const items = await queryAll(client, {
    TableName: table,
    KeyConditionExpression: "task = :task AND begins_with(id, :tables)",
    ExpressionAttributeValues: { ":task": task, ":tables": TABLE_PLAN_PREFIX },
  });
  // Claim-index entries carry the chunk's id (its table index) and rows, not its table's name.
  const inFlight = new Map<number, number>();
  for (const c of copying) {
    const index = chunkIndexes(String(c.id)).table;
    inFlight.set(index, (inFlight.get(index) ?? 0) + (Number(c.rows) || 0));
  }
  const indexOf = (item: Record<string, unknown>) => Number(String(item.id).slice(TABLE_PLAN_PREFIX.length));
  return items
    .filter((item) => Number(item.chunks) > 0)
    .map((item) => ({
      table: String(item.table),
      chunks: Number(item.chunks),
      done: Number(item.done) || 0,
      estimatedRows: Number(item.estimatedRows) || 0,
      rowsCopied: (Number(item.rowsDone) || 0) + (inFlight.get(indexOf(item)) ?? 0),
    }));
}

/** Deletes the tables' items (a new plan replaces the ledger). */
export async function deleteTablePlans(
  client: DynamoDBDocumentClient,
  table: string,
  task: string,
): Promise<void> {
  const items = await queryAll(client, {
    TableName: table,
    KeyConditionExpression: "task = :task AND begins_with(id, :tables)",
    ExpressionAttributeValues: { ":task": task, ":tables": TABLE_PLAN_PREFIX },
    ProjectionExpression: "id",
    ConsistentRead: true,
  });
  await batchWrite(
    client,
    table,
    items.map((item) => ({ DeleteRequest: { Key: { task, id: item.id } } })),
  );
}

/** The update that counts a chunk done in its table's item (part of markDone's transaction). */
export function tableDone(table: string, task: string, chunkIdOfDone: string, rows: number) {
  return {
    TableName: table,
    Key: { task, id: tablePlanId(chunkIndexes(chunkIdOfDone).table) },
    UpdateExpression: "ADD #done :one, rowsDone :rows",
    ExpressionAttributeNames: { "#done": "done" },
    ExpressionAttributeValues: { ":one": 1, ":rows": rows },
  };
}

/** The tables' items of a ledger written whole (replace()), with what its chunks already count. */
export async function putTablePlans(
  client: DynamoDBDocumentClient,
  table: string,
  task: string,
  chunks: readonly Chunk[],
): Promise<void> {
  const items = new Map<
    number,
    Record<string, unknown> & {
      chunks: number;
      estimatedRows: number;
      done: number;
      rowsDone: number;
      plannedThrough: number;
    }
  >();
  for (const c of chunks) {
    const item = items.get(c.tableIndex) ?? {
      task,
      id: tablePlanId(c.tableIndex),
      table: c.table,
      chunks: 0,
      estimatedRows: 0,
      done: 0,
      rowsDone: 0,
      plannedThrough: -1,
    };
    item.chunks += 1;
    item.estimatedRows += c.estimatedRows;
    if (c.state === "done") {
      item.done += 1;
      item.rowsDone += c.rows;
    }
    item.plannedThrough = Math.max(item.plannedThrough, chunkIndexes(c.id).chunk);
    items.set(c.tableIndex, item);
  }
  await batchWrite(
    client,
    table,
    [...items.values()].map((Item) => ({ PutRequest: { Item } })),
  );
}
