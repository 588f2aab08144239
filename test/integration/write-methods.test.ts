import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FatalError } from "#core/errors.ts";
import { copyRange, type WriteMethod } from "#core/fullload/copy.ts";
import { chooseWriteMethod } from "#core/fullload/load-data.ts";
import { copyRangeWithEtl } from "#core/fullload/row-copy.ts";
import { type CopyTable, copyTables } from "#core/fullload/service.ts";
import type { TableCopyPlan } from "#core/fullload/table-plan.ts";
import { applyChanges } from "#core/sinks/mysql/applier.ts";
import { readCatalog } from "#core/source/catalog-reader.ts";
import { openDestination, openSource } from "#core/source/connection.ts";
import { buildRoutes, routeKey } from "#core/stream/routes.ts";
import { spec } from "../support/spec-fixtures.ts";
import { STACK, sql } from "../support/stack.ts";
import { typesFixture } from "../support/types-fixture.ts";

const SOURCE_DB = "wm_types";
const WHOLE_TABLE = { lower: null, upper: null };
let source: Connection;
let destination: Connection;
let columns: string[];

/** Every value of all_types as the hex of its bytes (FLOAT through its exact double). */
async function hexRows(port: number, database: string): Promise<unknown[]> {
  const values = columns.map((c) =>
    c === "f" ? "HEX(CAST(f + 0E0 AS BINARY))" : `HEX(CAST(\`${c}\` AS BINARY))`,
  );
  const [rows] = (await sql(port, [
    `SELECT ${values.join(", ")} FROM ${database}.all_types ORDER BY id`,
  ])) as [unknown[]];
  return rows;
}

/** The copy plan of a table into `database` (a copy of the source's table made beforehand). */
async function tableInto(database: string, name = "all_types", script?: string): Promise<CopyTable> {
  const task = spec({
    objects: [{ database: SOURCE_DB, as: database, tables: [{ name }] }],
    ...(script ? { etl: { script } } : {}),
  });
  const [table] = await copyTables(task, source);
  if (!table) throw new Error(`${name} is not selected`);
  return table;
}

async function planInto(database: string, name = "all_types"): Promise<TableCopyPlan> {
  return (await tableInto(database, name)).plan;
}

async function createCopyOfTable(database: string, change = (ddl: string) => ddl): Promise<void> {
  const [[created]] = (await sql(STACK.source.port, [`SHOW CREATE TABLE ${SOURCE_DB}.all_types`])) as [
    { "Create Table": string }[],
  ];
  await sql(STACK.destination.port, [
    `DROP DATABASE IF EXISTS ${database}`,
    `CREATE DATABASE ${database} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
  ]);
  const connection = await openDestination(STACK.destination);
  try {
    await connection.query(`USE ${database}`);
    await connection.query(change(created?.["Create Table"] ?? ""));
  } finally {
    await connection.end();
  }
}

beforeAll(async () => {
  await sql(STACK.source.port, typesFixture(SOURCE_DB));
  source = await openSource(STACK.source);
  destination = await openDestination(STACK.destination);
  const [rows] = (await sql(STACK.source.port, [
    `SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${SOURCE_DB}' AND TABLE_NAME = 'all_types' ORDER BY ORDINAL_POSITION`,
  ])) as [{ c: string }[]];
  columns = rows.map((r) => r.c);
}, 120_000);

afterAll(async () => {
  await source?.end();
  await destination?.end();
});

describe("writing into MySQL: the two ways a chunk is written, and what stops a write", () => {
  it.each<WriteMethod>(["load", "insert"])(
    "%s: every type arrives exactly, and a second copy changes nothing",
    async (method) => {
      const database = `wm_${method}`;
      await createCopyOfTable(database);
      const plan = await planInto(database);
      const expected = await hexRows(STACK.source.port, SOURCE_DB);
      expect(expected).toHaveLength(4);
      for (let copy = 0; copy < 2; copy++) {
        const result = await copyRange(source, destination, plan, WHOLE_TABLE, {
          keepExisting: false,
          method,
        });
        expect(result.rows).toBe(4);
        expect(await hexRows(STACK.destination.port, database)).toEqual(expected);
      }
    },
  );

  it.each<WriteMethod>(["load", "insert"])(
    "%s, rows rendered in Node (ETL): every type arrives exactly",
    async (method) => {
      const database = `wm_etl_${method}`;
      await createCopyOfTable(database);
      // The script writes a column back unchanged: every row goes through the ETL path's rendering.
      const table = await tableInto(database, "all_types", "e_set(`v`, `v`)");
      expect(table.etl?.passThrough).toBe(false);
      const result = await copyRangeWithEtl(source, destination, table.plan, table.kafka, WHOLE_TABLE, {
        keepExisting: false,
        etl: table.etl,
        method,
      });
      expect(result.rows).toBe(4);
      expect(await hexRows(STACK.destination.port, database)).toEqual(
        await hexRows(STACK.source.port, SOURCE_DB),
      );
    },
  );

  it.each<WriteMethod>(["load", "insert"])(
    "%s: a value the destination column cannot hold stops the chunk with what the server said",
    async (method) => {
      const database = `wm_narrow_${method}`;
      await createCopyOfTable(database, (ddl) => ddl.replace(/`v` varchar\(100\)/, "`v` varchar(5)"));
      const plan = await planInto(database);
      const copy = copyRange(source, destination, plan, WHOLE_TABLE, { keepExisting: false, method });
      await expect(copy).rejects.toThrow(/Data too long for column 'v'/);
    },
  );

  it.each<WriteMethod>(["load", "insert"])(
    "%s: a value the destination only warns about (trailing spaces cut) stops the chunk too",
    async (method) => {
      await sql(STACK.source.port, [
        `CREATE TABLE IF NOT EXISTS ${SOURCE_DB}.spaces (id INT PRIMARY KEY, v VARCHAR(10))`,
        `REPLACE INTO ${SOURCE_DB}.spaces VALUES (1, 'abc     ')`,
      ]);
      await sql(STACK.destination.port, [
        `DROP DATABASE IF EXISTS wm_spaces_${method}`,
        `CREATE DATABASE wm_spaces_${method}`,
        `CREATE TABLE wm_spaces_${method}.spaces (id INT PRIMARY KEY, v VARCHAR(5))`,
      ]);
      const plan = await planInto(`wm_spaces_${method}`, "spaces");
      const copy = copyRange(source, destination, plan, WHOLE_TABLE, { keepExisting: false, method });
      await expect(copy).rejects.toThrow(FatalError);
      await expect(copy).rejects.toThrow(
        /`wm_spaces_(load|insert)`\.`spaces` \(rows with key after the start up to the end\) gave 1 warning\(s\).*Data truncated for column 'v'/,
      );
    },
  );

  it("incremental: a change the destination could only store altered is rolled back and stops the task", async () => {
    await sql(STACK.source.port, [
      `CREATE TABLE IF NOT EXISTS ${SOURCE_DB}.spaces (id INT PRIMARY KEY, v VARCHAR(10))`,
    ]);
    await sql(STACK.destination.port, [
      "DROP DATABASE IF EXISTS wm_apply",
      "CREATE DATABASE wm_apply",
      "CREATE TABLE wm_apply.spaces (id INT PRIMARY KEY, v VARCHAR(5))",
    ]);
    const task = spec({ objects: [{ database: SOURCE_DB, as: "wm_apply", tables: [{ name: "spaces" }] }] });
    const route = buildRoutes(task, await readCatalog(source, [SOURCE_DB])).get(
      routeKey(SOURCE_DB, "spaces"),
    );
    if (!route) throw new Error("no route for spaces");
    const apply = applyChanges(destination, [
      { kind: "upsert", route, row: { id: 1, v: "fits" } },
      { kind: "upsert", route, row: { id: 2, v: "abc     " } },
    ]);
    await expect(apply).rejects.toThrow(FatalError);
    await expect(apply).rejects.toThrow(/`wm_apply`\.`spaces` gave warnings.*Data truncated for column 'v'/);
    const [rows] = (await sql(STACK.destination.port, ["SELECT COUNT(*) AS n FROM wm_apply.spaces"])) as [
      { n: number }[],
    ];
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it("uses LOAD DATA where the destination allows it, and INSERTs when existing rows must be kept", async () => {
    expect(await chooseWriteMethod(destination, false)).toBe("load");
    expect(await chooseWriteMethod(destination, true)).toBe("insert");
  });
});
