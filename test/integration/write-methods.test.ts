import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FatalError } from "#core/errors.ts";
import { copyRange } from "#core/fullload/copy.ts";
import { chooseWriteMethod, type WriteMethod } from "#core/fullload/load-data.ts";
import { snapshotSql } from "#core/fullload/pushdown-copy.ts";
import { copyRangeWithEtl } from "#core/fullload/row-copy.ts";
import { type CopyTable, copyTables } from "#core/fullload/service.ts";
import type { TableCopyPlan } from "#core/fullload/table-plan.ts";
import type { CompiledEtl } from "#core/pipeline/etl.ts";
import { buildRoutes } from "#core/pipeline/table-route.ts";
import { applyChanges } from "#core/sinks/mysql/applier.ts";
import { readCatalog } from "#core/source/catalog-reader.ts";
import { openDestination, openSource } from "#core/source/connection.ts";
import { tableKey } from "#core/spec/table-name.ts";
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
async function tableInto(
  database: string,
  name = "all_types",
  script?: string,
  columns?: string[],
): Promise<CopyTable> {
  const task = spec({
    objects: [{ database: SOURCE_DB, as: database, tables: [{ name, ...(columns ? { columns } : {}) }] }],
    ...(script ? { etl: { script } } : {}),
  });
  const [table] = await copyTables(task, source);
  if (!table) throw new Error(`${name} is not selected`);
  return table;
}

async function columnsOf(table: string): Promise<string[]> {
  const [rows] = (await sql(STACK.source.port, [
    `SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${SOURCE_DB}' AND TABLE_NAME = '${table}' ORDER BY ORDINAL_POSITION`,
  ])) as [{ c: string }[]];
  return rows.map((r) => r.c);
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
      expect(table.route.etl?.passThrough).toBe(false);
      const result = await copyRangeWithEtl(source, destination, table.plan, table.route, WHOLE_TABLE, {
        keepExisting: false,
        etl: table.route.etl,
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
      tableKey(SOURCE_DB, "spaces"),
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

/** The full load's start: the commit timestamp scripts see for snapshot rows. */
const STARTED = Date.parse("2026-11-21T10:11:12.345Z");

/**
 * Copies ${SOURCE_DB}.<table> through `script` twice, into wm_<table>_sql (LOAD DATA, the script
 * computed by the source) and wm_<table>_js (INSERTs, the script run in JS), both tables created
 * with `columns`; `inspect` sees the SQL form. Returns the rows each copy counted.
 */
async function copyBothWays(
  table: string,
  columns: string,
  script: string,
  inspect: (sqlForm: ReturnType<typeof snapshotSql>) => void,
): Promise<number[]> {
  const copies: number[] = [];
  for (const method of ["load", "insert"] as const) {
    const database = `wm_${table}_${method === "load" ? "sql" : "js"}`;
    await sql(STACK.destination.port, [
      `DROP DATABASE IF EXISTS ${database}`,
      `CREATE DATABASE ${database}`,
      `CREATE TABLE ${database}.${table} (${columns})`,
    ]);
    const copy = await tableInto(database, table, script);
    if (method === "load") inspect(snapshotSql(copy.route.etl as CompiledEtl, copy.route, STARTED));
    const result = await copyRangeWithEtl(source, destination, copy.plan, copy.route, WHOLE_TABLE, {
      keepExisting: false,
      etl: copy.route.etl,
      startedAt: STARTED,
      method,
    });
    copies.push(result.rows);
  }
  return copies;
}

describe("ETL scripts the source computes for full-load rows", () => {
  /** Drops, a conditional set, arithmetic, a mask, text case, a concat and a stamp over all_types. */
  const SCRIPT = `e_compose(
    e_if(op_lt(\`i\`, 0), e_drop()),
    e_if(op_is_null(\`t\`), e_set(\`s\`, 7)),
    e_set(\`b\`, op_sum(\`m\`, \`mu\`, 1)),
    e_set(\`v\`, str_upper(\`v\`)),
    e_set(\`c\`, str_mask(\`c\`, 1, 3, '#')),
    e_set(\`tx\`, op_add(\`l1\`, "-é")),
    e_set(\`dtm\`, __COMMIT_TIMESTAMP__)
  )`;

  // With the latin1 column l1 written, the lines are utf8mb4 text the destination converts; with
  // every text column utf8mb4, they are the columns' own bytes (CHARACTER SET binary).
  it.each([
    { lines: "utf8mb4", latin1: true },
    { lines: "binary", latin1: false },
  ] as const)(
    "gives the rows the JS path gives, $lines lines (non-ASCII text under str_upper goes through JS)",
    async ({ lines, latin1 }) => {
      const [pushed, viaJs] = [`wm_push_sql_${lines}`, `wm_push_js_${lines}`];
      for (const database of [pushed, viaJs]) await createCopyOfTable(database);
      const script = latin1 ? SCRIPT : SCRIPT.replace("`l1`", "`tx`");
      const columns = latin1 ? undefined : (await columnsOf("all_types")).filter((c) => c !== "l1");
      const table = await tableInto(pushed, "all_types", script, columns);
      const sqlForm = snapshotSql(table.route.etl as CompiledEtl, table.route, STARTED);
      expect(sqlForm?.charset).toBe(lines);
      expect(sqlForm?.guard).toMatch(/CHAR_LENGTH/);
      expect(sqlForm?.drop).toBeDefined();
      expect(sqlForm?.constants.map((c) => c.column)).toEqual(["dtm"]);
      const byLoad = await copyRangeWithEtl(source, destination, table.plan, table.route, WHOLE_TABLE, {
        keepExisting: false,
        etl: table.route.etl,
        startedAt: STARTED,
        method: "load",
      });
      const js = await tableInto(viaJs, "all_types", script, columns);
      const byJs = await copyRangeWithEtl(source, destination, js.plan, js.route, WHOLE_TABLE, {
        keepExisting: false,
        etl: js.route.etl,
        startedAt: STARTED,
        method: "insert",
      });
      const rows = await hexRows(STACK.destination.port, viaJs);
      // Row 1 (i = -2147483648) is dropped; the others differ from the source where the script says.
      expect(rows).toHaveLength(3);
      expect(byLoad.rows).toBe(byJs.rows);
      expect(await hexRows(STACK.destination.port, pushed)).toEqual(rows);
    },
  );

  it("agrees with JS on edge values: NULLs, short text, negative numbers, Kleene logic, e_if_else", async () => {
    await sql(STACK.source.port, [
      `DROP TABLE IF EXISTS ${SOURCE_DB}.edges`,
      `CREATE TABLE ${SOURCE_DB}.edges (id INT PRIMARY KEY, n INT, d DECIMAL(10,3), s VARCHAR(20), out_s VARCHAR(40), out_d DECIMAL(30,4), flag BIGINT)`,
      `INSERT INTO ${SOURCE_DB}.edges (id, n, d, s) VALUES
        (1, NULL, NULL, NULL), (2, -5, -0.125, ''), (3, 0, 0, 'a'), (4, 7, 99.999, 'abcdef'),
        (5, 2147483647, -9999999.999, 'MiXeD Case 123'), (6, -1, 1.5, 'ünïcode'), (7, 3, 2.25, 'tab\there')`,
    ]);
    const script = `e_compose(
      e_if_else(op_or(op_gt(\`n\`, \`d\`), op_is_null(\`n\`)),
        e_set(\`out_s\`, str_mask(\`s\`, 2, 40, '*')),
        e_set(\`out_s\`, str_lower(op_add(\`s\`, "-X")))),
      e_set(\`out_d\`, op_sub(op_mul(\`d\`, \`n\`), 1.05)),
      e_if(op_and(op_not(op_le(\`n\`, 0)), op_lt(\`d\`, 50)), e_set(\`flag\`, op_sum(\`n\`, 1)), op_eq(\`n\`, 7), e_drop())
    )`;
    const copies = await copyBothWays(
      "edges",
      "id INT PRIMARY KEY, n INT, d DECIMAL(10,3), s VARCHAR(20), out_s VARCHAR(40), out_d DECIMAL(30,4), flag BIGINT",
      script,
      (sqlForm) => expect(sqlForm).toBeDefined(),
    );
    const read = async (database: string) =>
      (
        await sql(STACK.destination.port, [
          `SELECT id, n, CAST(d AS CHAR) d, HEX(s) s, HEX(out_s) out_s, CAST(out_d AS CHAR) out_d, flag FROM ${database}.edges ORDER BY id`,
        ])
      )[0];
    const expected = await read("wm_edges_js");
    expect(expected).toHaveLength(6);
    expect(await read("wm_edges_sql")).toEqual(expected);
    expect(copies[0]).toBe(copies[1]);
  });

  // No guard here (no str_upper): every row, ASCII or not, takes the SQL path.
  it("agrees with JS on NOT NULL columns and on masks of text shorter and longer than the mask", async () => {
    const columns =
      "id INT PRIMARY KEY, s VARCHAR(40) NOT NULL, n INT NOT NULL, out1 VARCHAR(80), out2 VARCHAR(80), out3 BIGINT";
    await sql(STACK.source.port, [
      `DROP TABLE IF EXISTS ${SOURCE_DB}.masks`,
      `CREATE TABLE ${SOURCE_DB}.masks (${columns})`,
      // Around the 16 bytes from which the mask of characters 1-3 is one literal: ASCII, 2- and 4-byte characters.
      `INSERT INTO ${SOURCE_DB}.masks (id, s, n) VALUES (1, '', 0), (2, 'a', -1), (3, 'abcd', 5),
        (4, 'abcdefghijklmnop', 7), (5, 'ééééééééé', 101), (6, 'éé', 2), (7, '😀😀😀😀', 3), (8, '😀😀😀', 4),
        (9, 'abcdefghijklmno', 2147483647), (10, 'x\\y\tz', -2147483648)`,
    ]);
    const script = `e_compose(
      e_set(\`out1\`, str_mask(\`s\`, 1, 3, '#')),
      e_set(\`out2\`, str_mask(op_add(\`s\`, "é"), 0, 2, '<>')),
      e_set(\`out3\`, op_mul(\`n\`, 3)),
      e_if(op_gt(\`n\`, 100), e_drop())
    )`;
    const copies = await copyBothWays("masks", columns, script, (sqlForm) => {
      // NOT NULL columns need no IFNULL, and a long enough text takes the mask as one literal.
      expect(sqlForm?.line).not.toMatch(/IFNULL\(`(s|n|id)`/);
      expect(sqlForm?.line).toMatch(/IF\(LENGTH\(`s`\) >= 16/);
    });
    const read = async (database: string) =>
      (
        await sql(STACK.destination.port, [
          `SELECT id, HEX(s) s, n, HEX(out1) out1, HEX(out2) out2, out3 FROM ${database}.masks ORDER BY id`,
        ])
      )[0];
    const expected = await read("wm_masks_js");
    expect(expected).toHaveLength(8); // n = 101 and n = 2147483647 dropped
    expect(await read("wm_masks_sql")).toEqual(expected);
    expect(copies[0]).toBe(copies[1]);
  });

  it("leaves a script with a function it cannot translate to the JS path", async () => {
    const table = await tableInto("wm_push_none", "all_types", "e_set(`v`, str_replace(`v`, 'a', 'b'))");
    expect(snapshotSql(table.route.etl as CompiledEtl, table.route, STARTED)).toBeUndefined();
  });
});
