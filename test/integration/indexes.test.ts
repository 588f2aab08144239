import type { Connection } from "mysql2/promise";
import { beforeAll, describe, expect, it } from "vitest";
import { buildDeferredIndexes } from "#core/schema/indexes.ts";
import { openDestination } from "#core/source/connection.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { defaultTaskStore } from "#core/store/index.ts";
import { ensureLocalTables } from "#core/store/local-tables.ts";
import { handler as buildIndexesHandler } from "#functions/build-indexes/handler.ts";
import { localEnvironment } from "../../local/environment.ts";
import { forgetTask, passedPrecheck, spec } from "../support/spec-fixtures.ts";
import { STACK, sql } from "../support/stack.ts";

const DB = "deferred_indexes";
const TABLES = ["a", "b", "c"];
const DEFERRED = TABLES.map((t) => ({
  table: `${DB}.${t}`,
  indexes: [
    { name: "k_idx", clause: "KEY `k_idx` (`k`)" },
    { name: "kv_idx", clause: "KEY `kv_idx` (`k`, `v`)" },
  ],
}));

beforeAll(async () => {
  await sql(STACK.destination.port, [
    `DROP DATABASE IF EXISTS ${DB}`,
    `CREATE DATABASE ${DB}`,
    ...[...TABLES, "slow"].flatMap((t) => [
      `CREATE TABLE ${DB}.${t} (id INT PRIMARY KEY, k INT, v VARCHAR(10))`,
      `INSERT INTO ${DB}.${t} SELECT seq, seq MOD 7, 'x' FROM ${DB}.seq_1_to_1000`,
    ]),
  ]);
}, 60_000);

async function indexesOf(table: string): Promise<string[]> {
  const [rows] = (await sql(STACK.destination.port, [
    `SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '${DB}' AND TABLE_NAME = '${table}'`,
  ])) as [{ name: string }[]];
  return rows.map((r) => r.name).sort();
}

describe("secondary indexes deferred until after the full load", () => {
  it("are built for every table, several tables at once, and building them again adds nothing", async () => {
    let opened = 0;
    const open = (): Promise<Connection> => {
      opened++;
      return openDestination(STACK.destination);
    };
    expect(await buildDeferredIndexes(open, DEFERRED, 2)).toEqual({ built: 6, pending: [] });
    expect(opened).toBe(2); // two builders shared the three tables
    for (const table of TABLES) expect(await indexesOf(table)).toEqual(["PRIMARY", "k_idx", "kv_idx"].sort());

    opened = 0;
    expect(await buildDeferredIndexes(open, DEFERRED, 8)).toEqual({ built: 0, pending: [] });
    expect(opened).toBe(3); // never more builders than tables
  });

  it("stops with the destination's words when it refuses a build", async () => {
    const broken = [
      ...DEFERRED,
      { table: `${DB}.a`, indexes: [{ name: "bad_idx", clause: "KEY `bad_idx` (`missing`)" }] },
    ];
    await expect(buildDeferredIndexes(() => openDestination(STACK.destination), broken, 2)).rejects.toThrow(
      /missing/,
    );
  });
});

/** A destination opener that records every statement its connections are sent. */
function recordingOpener(statements: string[]): () => Promise<Connection> {
  return async () => {
    const connection = await openDestination(STACK.destination);
    const query = connection.query.bind(connection);
    connection.query = ((sql: string, ...rest: unknown[]) => {
      statements.push(sql);
      return (query as (...args: unknown[]) => unknown)(sql, ...rest);
    }) as typeof connection.query;
    return connection;
  };
}

describe("an index build longer than a Lambda may run", () => {
  const slow = [{ table: `${DB}.slow`, indexes: DEFERRED[0]?.indexes ?? [] }];

  it("starts nothing once the deadline has passed, and reports every table as pending", async () => {
    const statements: string[] = [];
    expect(await buildDeferredIndexes(recordingOpener(statements), slow, 2, Date.now() - 1)).toEqual({
      built: 0,
      pending: [`${DB}.slow`],
    });
    expect(statements).toEqual([]);
  });

  it("is left running at the deadline, and the next call waits for it instead of starting it again", async () => {
    // A reader's open transaction holds the table's metadata lock: the build waits for it, and
    // outlasts the first call's deadline whatever this machine's speed.
    const reader = await openDestination(STACK.destination);
    try {
      await reader.query("BEGIN");
      await reader.query(`SELECT * FROM ${DB}.slow LIMIT 1`);

      const first: string[] = [];
      expect(await buildDeferredIndexes(recordingOpener(first), slow, 1, Date.now() + 1500)).toEqual({
        built: 0,
        pending: [`${DB}.slow`],
      });
      expect(first.filter((q) => q.startsWith("ALTER TABLE"))).toHaveLength(1);
      const [running] = (await reader.query(
        "SELECT STATE AS state FROM information_schema.PROCESSLIST WHERE INFO LIKE 'ALTER TABLE%slow%'",
      )) as unknown as [{ state: string }[]];
      expect(running.map((r) => r.state)).toEqual(["Waiting for table metadata lock"]);

      const second: string[] = [];
      const next = buildDeferredIndexes(recordingOpener(second), slow, 1);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await reader.query("COMMIT");
      expect(await next).toEqual({ built: 2, pending: [] });
      expect(second.filter((q) => q.startsWith("ALTER TABLE"))).toEqual([]);
      expect(await indexesOf("slow")).toEqual(["PRIMARY", "k_idx", "kv_idx"].sort());
    } finally {
      await reader.end();
    }
  });
});

describe("the BuildIndexes function", () => {
  it("returns not done when its Lambda time runs out, records the tables left, and ends the build on a later call", async () => {
    for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
    await ensureLocalTables(documentClient(), tableNames());
    await sql(STACK.destination.port, [
      `CREATE TABLE ${DB}.lambda (id INT PRIMARY KEY, k INT, v VARCHAR(10))`,
      `INSERT INTO ${DB}.lambda SELECT seq, seq MOD 7, 'x' FROM ${DB}.seq_1_to_100`,
    ]);
    const task = spec({ name: "build-indexes-fn", migrationTypes: ["schema", "full"] });
    const store = defaultTaskStore();
    await forgetTask(task.name);
    await store.saveSpec(task);
    // The moves a run makes up to the end of its full load.
    await store.setPhase(task.name, "prechecking");
    await store.savePrecheck(task.name, passedPrecheck(task.name));
    await store.setPhase(task.name, "full-load");
    await store.saveOutcome(task.name, "schema", {
      createdTables: [`${DB}.lambda`],
      notes: [],
      deferredIndexes: [{ table: `${DB}.lambda`, indexes: DEFERRED[0]?.indexes ?? [] }],
      completedAt: new Date().toISOString(),
    });

    // Less than the function's safety margin left: it starts nothing and asks to be called again.
    const late = { getRemainingTimeInMillis: () => 30_000 };
    // The state gets how many tables are left; which ones is on the task record.
    expect(await buildIndexesHandler({ spec: task }, late)).toEqual({ built: 0, done: false, pending: 1 });
    const waiting = await store.get(task.name);
    expect(waiting?.indexes).toEqual({ tables: 1, startedAt: expect.any(String), pending: [`${DB}.lambda`] });
    expect(waiting?.phase).toBe("building-indexes");
    expect(await indexesOf("lambda")).toEqual(["PRIMARY"]);

    const ample = { getRemainingTimeInMillis: () => 900_000 };
    expect(await buildIndexesHandler({ spec: task }, ample)).toEqual({ built: 2, done: true, pending: 0 });
    const done = await store.get(task.name);
    expect(done?.indexes).toEqual({
      tables: 1,
      startedAt: waiting?.indexes?.startedAt, // the same build, continued
      pending: [],
      completedAt: expect.any(String),
    });
    expect(done?.phase).toBe("completed");
    expect(await indexesOf("lambda")).toEqual(["PRIMARY", "k_idx", "kv_idx"].sort());
  });
});
