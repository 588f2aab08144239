import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type Chunk, chunkId, PLAN_RECORD, type PlanCursor } from "./chunk.ts";
import { claimKey } from "./chunk-claim.ts";
import { batchWrite, queryAll } from "./dynamo-requests.ts";

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
