import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { type Chunk, chunkId, claimOf, DynamoChunkLedger } from "#core/store/chunk-ledger.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { ensureLocalTables } from "#core/store/local-tables.ts";
import { STACK } from "../support/stack.ts";

beforeAll(async () => {
  process.env.DYNAMODB_ENDPOINT ??= STACK.dynamodb;
  await ensureLocalTables(documentClient(), tableNames());
});

describe("a chunk ledger planned before the claim index existed", () => {
  it("is indexed when a claim finds the index empty, and its load finishes with the right counts", async () => {
    const client = documentClient();
    const table = tableNames().chunks;
    const task = `legacy-${Date.now().toString(36)}-${process.pid}`;
    const ledger = new DynamoChunkLedger(client, table);
    await ledger.replace(task, []);
    // As the earlier version wrote them: no claim key, no plan record; one done, one left copying.
    const states = ["done", "pending", "copying", "pending"] as const;
    for (const [i, state] of states.entries()) {
      const chunk: Chunk = {
        task,
        id: chunkId(0, i),
        tableIndex: 0,
        table: "shop.t",
        lower: null,
        upper: null,
        estimatedRows: 10,
        state,
        rows: state === "done" ? 10 : 0,
        attempts: state === "pending" ? 0 : 1,
        ...(state === "pending" ? {} : { execution: "old-exec" }),
        updatedAt: new Date().toISOString(),
      };
      await client.send(new PutCommand({ TableName: table, Item: chunk }));
    }
    expect(await ledger.summary(task)).toMatchObject({
      chunks: 4,
      done: 1,
      estimatedRows: 40,
      rowsCopied: 10,
    });

    const claimed: string[] = [];
    for (;;) {
      const chunk = await ledger.claim(task, "new-exec", 0, 1);
      if (!chunk) break;
      claimed.push(chunk.id);
      await ledger.markDone(claimOf(chunk), 10);
    }
    // The pending ones and the one the old execution left copying; never the done one.
    expect(claimed.sort()).toEqual([chunkId(0, 1), chunkId(0, 2), chunkId(0, 3)]);
    expect(await ledger.summary(task)).toMatchObject({
      chunks: 4,
      done: 4,
      estimatedRows: 40,
      rowsCopied: 40,
    });
    await ledger.replace(task, []);
  });
});
