import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { DynamoTaskStore } from "#core/store/dynamo-task-store.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { ensureLocalTables } from "#core/store/local-tables.ts";
import { passedPrecheck, spec } from "../support/spec-fixtures.ts";
import { STACK } from "../support/stack.ts";

beforeAll(async () => {
  process.env.DYNAMODB_ENDPOINT ??= STACK.dynamodb;
  await ensureLocalTables(documentClient(), tableNames());
});

const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const figures = (appliedRows: number, updatedAt: string) => ({
  position: { file: "binlog.000002", position: 400 },
  latencyMs: 10,
  rowsPerSecond: 5,
  appliedRows,
  updatedAt,
});

describe("task records written before bulky fields had items of their own", () => {
  it("are read whole, listed, and moved to the new layout as each field is written again", async () => {
    const client = documentClient();
    const table = tableNames().tasks;
    const store = new DynamoTaskStore(client, table);
    const name = `layout-${run}`;
    const schema = {
      createdTables: ["d.t"],
      notes: ["a note"],
      deferredIndexes: [{ table: "d.t", indexes: [{ name: "k", clause: "KEY `k` (`k`)" }] }],
      completedAt: "2030-01-01T00:00:00.000Z",
    };
    // One item holding everything, as the previous version wrote it.
    const old = {
      name,
      spec: spec({ name }),
      phase: "incremental",
      createdAt: "2030-01-01T00:00:00.000Z",
      updatedAt: "2030-01-02T00:00:00.000Z",
      precheck: passedPrecheck(name),
      position: { file: "binlog.000001", position: 4, capturedAt: "2030-01-01T00:00:00.000Z" },
      schema,
      fullLoad: { planId: "p", chunks: 1, estimatedRows: 3, startedAt: "s", completedAt: "c", rows: 3 },
      indexes: { tables: 1, startedAt: "s", pending: [], completedAt: "c" },
      incremental: figures(7, "2030-01-02T00:00:00.000Z"),
    };
    await client.send(new PutCommand({ TableName: table, Item: old }));

    expect(await store.get(name)).toEqual(old);
    const listed = (await store.list()).find((t) => t.name === name);
    expect(listed).toMatchObject({ phase: "incremental", incremental: { appliedRows: 7 } });
    expect(listed).not.toHaveProperty("schema");

    // The tailer's next figures go to their own item; the old ones are no longer read.
    await store.saveOutcome(name, "incremental", figures(8, "2030-01-03T00:00:00.000Z"));
    expect((await store.get(name))?.incremental?.appliedRows).toBe(8);
    // A bulky field written again moves to its parts; the task item no longer holds it.
    await store.saveOutcome(name, "schema", { ...schema, notes: ["another note"] });
    const item = (
      await client.send(new GetCommand({ TableName: table, Key: { name }, ConsistentRead: true }))
    ).Item;
    expect(item).not.toHaveProperty("schema");
    expect(item).toMatchObject({ schemaParts: 1, precheck: old.precheck });
    expect((await store.get(name))?.schema).toEqual({ ...schema, notes: ["another note"] });

    await store.restart(name);
    const restarted = await store.get(name);
    expect(restarted).toMatchObject({ phase: "created", schema: { createdTables: ["d.t"] } });
    expect(restarted?.incremental).toBeUndefined();
    expect(restarted?.schema?.completedAt).toBeUndefined();

    await store.remove(name);
    expect(await store.items(name)).toEqual([]);
    expect(await store.get(name)).toBeUndefined();
  });

  it("a spec written large is compressed on the task item and read back the same", async () => {
    const client = documentClient();
    const store = new DynamoTaskStore(client, tableNames().tasks);
    const name = `layout-spec-${run}`;
    const tables = Array.from({ length: 2_000 }, (_, i) => ({ name: `table_${i}`, as: `renamed_${i}` }));
    const large = spec({ name, objects: [{ database: "shop", tables }] });
    expect(Buffer.byteLength(JSON.stringify(large))).toBeGreaterThan(64 * 1024);
    expect((await store.saveSpec(large)).spec).toEqual(large);
    const [item] = await store.items(name);
    expect(item).toHaveProperty("specZ");
    expect(item).not.toHaveProperty("spec");
    // A smaller spec goes back to plain JSON, readable in the console.
    const small = spec({ name });
    await store.saveSpec(small);
    const [plain] = await store.items(name);
    expect(plain).toMatchObject({ spec: small });
    expect(plain).not.toHaveProperty("specZ");
    await store.remove(name);
  });
});
