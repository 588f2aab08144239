import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { chunkId, DynamoChunkLedger, type PlanCursor } from "#core/store/chunk-ledger.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { ensureLocalTables } from "#core/store/local-tables.ts";
import { plannedChunk } from "../support/chunks.ts";
import { STACK } from "../support/stack.ts";

beforeAll(async () => {
  process.env.DYNAMODB_ENDPOINT ??= STACK.dynamodb;
  await ensureLocalTables(documentClient(), tableNames());
});

describe("a DynamoDB ledger whose planner was killed between saving chunks and moving the cursor", () => {
  it("drops the chunks past the cursor when the plan is read again, its counts untouched", async () => {
    const client = documentClient();
    const table = tableNames().chunks;
    const task = `plan-cut-${Date.now().toString(36)}-${process.pid}`;
    const ledger = new DynamoChunkLedger(client, table);
    const now = Date.now();
    const cursor: PlanCursor = { planId: "p1", table: 0, chunk: 2, lower: ["20"], done: false };
    await ledger.replace(task, []);
    await ledger.append(task, [plannedChunk(task, 0, now), plannedChunk(task, 1, now)], cursor);
    // What the killed append wrote before its cursor update: two chunks of this table, one of the next.
    const orphans = [
      plannedChunk(task, 2, now),
      plannedChunk(task, 3, now),
      { ...plannedChunk(task, 0, now), id: chunkId(1, 0), tableIndex: 1 },
    ];
    for (const orphan of orphans)
      await client.send(
        new PutCommand({ TableName: table, Item: { ...orphan, claimKey: `0#${orphan.id}` } }),
      );
    expect(await ledger.list(task)).toHaveLength(5);

    expect(await ledger.planCursor(task)).toEqual(cursor);
    expect((await ledger.list(task)).map((c) => c.id)).toEqual([chunkId(0, 0), chunkId(0, 1)]);
    expect(await ledger.summary(task)).toMatchObject({
      chunks: 2,
      done: 0,
      estimatedRows: 20,
      rowsCopied: 0,
    });
    await ledger.replace(task, []);
  });
});
