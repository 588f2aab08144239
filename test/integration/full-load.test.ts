import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { TaskSpecInput } from "#core/spec/schema.ts";
import { forgetTask, specInput } from "../support/spec-fixtures.ts";
import { dts, STACK, sql } from "../support/stack.ts";
import { typesFixture } from "../support/types-fixture.ts";

const SOURCE_DB = "fl_types";
const DEST_DB = "fl_copy";
let specFile: string;

const TASK: Partial<TaskSpecInput> = {
  name: "fl-types",
  migrationTypes: ["schema", "full"],
  objects: [
    {
      database: SOURCE_DB,
      as: DEST_DB,
      tables: [
        { name: "all_types" },
        { name: "pairs", as: "kv", columns: ["a", "b", { name: "v", as: "value" }] },
        { name: "orders", where: "status <> 'void' AND amount >= 10" },
        { name: "empty_one" },
        { name: "single" },
      ],
    },
  ],
  fullLoad: { chunkRows: 100, parallelism: 3 },
};

async function destination(statement: string): Promise<Record<string, unknown>[]> {
  const [rows] = (await sql(STACK.destination.port, [statement])) as [Record<string, unknown>[]];
  return rows;
}

async function source(statement: string): Promise<Record<string, unknown>[]> {
  const [rows] = (await sql(STACK.source.port, [statement])) as [Record<string, unknown>[]];
  return rows;
}

/** Every column of a row as the hex of its bytes, read in UTC: equal text means equal values. */
function hexRow(table: string, columns: string[], key: string): string {
  const values = columns.map((c) => `HEX(CAST(\`${c}\` AS BINARY)) AS \`${c}\``).join(", ");
  return `SELECT ${values} FROM ${table} ORDER BY ${key}`;
}

beforeAll(async () => {
  await sql(STACK.source.port, typesFixture(SOURCE_DB));
  await sql(STACK.destination.port, [`DROP DATABASE IF EXISTS ${DEST_DB}`]);
  await forgetTask(String(TASK.name));
  specFile = join(tmpdir(), `dts-fl-types-${process.pid}.json`);
  await writeFile(specFile, JSON.stringify(specInput(TASK)));
  // The CLI runs under a far-away time zone: values must not depend on the machine's zone.
  const run = await dts(["run", specFile], { TZ: "Pacific/Chatham" });
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
}, 300_000);

describe("schema and full migration into MySQL", () => {
  it("copies every type exactly (hex of every value equal on both sides)", async () => {
    const columns = (
      await source(
        `SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${SOURCE_DB}' AND TABLE_NAME = 'all_types' AND DATA_TYPE <> 'float' ORDER BY ORDINAL_POSITION`,
      )
    ).map((r) => String(r.c));
    const expected = await source(hexRow(`${SOURCE_DB}.all_types`, columns, "id"));
    expect(expected).toHaveLength(4);
    expect(await destination(hexRow(`${DEST_DB}.all_types`, columns, "id"))).toEqual(expected);
  });

  it("keeps the values a JS number or Date would break", async () => {
    const [row] = await destination(
      `SELECT CAST(bu AS CHAR) AS bu, CAST(b AS CHAR) AS b, CAST(d AS CHAR) AS d, CAST(dtm AS CHAR) AS dtm,
              CAST(ts AS CHAR) AS ts, CAST(tm AS CHAR) AS tm, CAST(f AS DOUBLE) AS f, CAST(g AS CHAR) AS g,
              HEX(b64) AS b64, v, l1, HEX(bin) AS bin, ST_AsText(geo) AS geo, st, e
         FROM ${DEST_DB}.all_types WHERE id = 1`,
    );
    expect(row).toEqual({
      bu: "18446744073709551615",
      b: "-9223372036854775808",
      d: "-12345678901234567890123456789012345.123456789012345678901234567891",
      dtm: "2024-01-02 03:04:05.123456",
      ts: "2024-06-30 14:59:59.999999",
      tm: "-838:59:59.000000",
      f: 16777216,
      g: "1.0000000000000002",
      b64: "FFFFFFFFFFFFFFFF",
      v: "emoji 🚀 and 𝄞 clef",
      l1: "café crème",
      bin: "00FF00FF",
      geo: "POLYGON((0 0,10 0,10 10,0 10,0 0))",
      st: "x,z",
      e: "c d",
    });
    const [zero] = await destination(
      `SELECT CAST(dt AS CHAR) AS dt, CAST(dtm AS CHAR) AS dtm, CAST(f AS DOUBLE) AS f FROM ${DEST_DB}.all_types WHERE id = 2`,
    );
    expect(zero).toEqual({ dt: "0000-00-00", dtm: "0000-00-00 00:00:00.000000", f: 3.1415927410125732 });
    const [nulls] = await destination(
      `SELECT COUNT(*) AS n FROM ${DEST_DB}.all_types WHERE id = 3 AND COALESCE(t, tu, s, su, m, mu, i, iu, b, bu, d, f, g, dt, dtm, ts, tm, y, c, v, tx, l1, bin, vb, bl, b1, b64, e, st, j, geo) IS NULL`,
    );
    expect(nulls).toEqual({ n: 1 });
  });

  it("applies renamed database, table and column, the column subset, and the WHERE filter", async () => {
    const columns = (await destination(`SHOW COLUMNS FROM ${DEST_DB}.kv`)).map((r) => r.Field);
    expect(columns).toEqual(["a", "b", "value"]);
    const [kv] = await destination(`SELECT COUNT(*) AS n, SUM(value) AS total FROM ${DEST_DB}.kv`);
    const [pairs] = await source(`SELECT COUNT(*) AS n, SUM(v) AS total FROM ${SOURCE_DB}.pairs`);
    expect(kv).toEqual(pairs);
    const [orders] = await destination(`SELECT COUNT(*) AS n FROM ${DEST_DB}.orders`);
    const [wanted] = await source(
      `SELECT COUNT(*) AS n FROM ${SOURCE_DB}.orders WHERE status <> 'void' AND amount >= 10`,
    );
    expect(orders).toEqual(wanted);
    expect(
      await destination(`SELECT COUNT(*) AS n FROM ${DEST_DB}.orders WHERE status = 'void' OR amount < 10`),
    ).toEqual([{ n: 0 }]);
    expect(await destination(`SELECT * FROM ${DEST_DB}.single`)).toEqual([{ code: "only", n: 1 }]);
    expect(await destination(`SELECT COUNT(*) AS n FROM ${DEST_DB}.empty_one`)).toEqual([{ n: 0 }]);
  });

  it("keeps indexes, charsets and collations", async () => {
    const [create] = await destination(`SHOW CREATE TABLE ${DEST_DB}.single`);
    expect(String(create?.["Create Table"])).toMatch(/UNIQUE KEY `uk_code` \(`code`\)/);
    // A secondary index is built after the load (deferred), and is there at the end.
    const [orders] = await destination(`SHOW CREATE TABLE ${DEST_DB}.orders`);
    expect(String(orders?.["Create Table"])).toMatch(/KEY `idx_status_amount` \(`status`,`amount`\)/);
    const [table] = await destination(
      `SELECT COLUMN_NAME, CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${DEST_DB}' AND TABLE_NAME = 'all_types' AND COLUMN_NAME = 'l1'`,
    );
    expect(table).toMatchObject({ CHARACTER_SET_NAME: "latin1" });
    const [schema] = await destination(
      `SELECT DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${DEST_DB}'`,
    );
    expect(schema).toEqual({ co: "utf8mb4_bin" });
  });

  it("splits the composite-key table into chunks along its key", async () => {
    const status = await dts(["status", "fl-types", "--json"]);
    const task = JSON.parse(status.stdout) as { fullLoad: { chunks: number } };
    // pairs' 2,500 rows are split on its integer first column (a, 5 rows per value) by arithmetic:
    // 20 values, ~100 rows a chunk, over a = 0..500 (26); orders 300 (3), all_types, empty_one, single (1 each).
    expect(task.fullLoad.chunks).toBe(32);
  });

  it("dts verify says equal, then names a row changed in the destination", async () => {
    const equal = await dts(["verify", specFile]);
    expect(equal.stdout).toMatch(/Equal: every selected row arrived exactly\./);
    expect(equal.code).toBe(0);

    await sql(STACK.destination.port, [
      `UPDATE ${DEST_DB}.kv SET value = value + 1 WHERE a = 123 AND b = 'k2'`,
    ]);
    const changed = await dts(["verify", specFile, "--json"]);
    expect(changed.code).toBe(1);
    const report = JSON.parse(changed.stdout) as { equal: boolean; differences: unknown[] };
    expect(report.equal).toBe(false);
    expect(report.differences).toEqual([
      { table: `${SOURCE_DB}.pairs`, kind: "different", key: { a: "123", b: "'k2'" }, columns: ["value"] },
    ]);
    const text = await dts(["verify", specFile]);
    expect(text.stdout).toContain(`${SOURCE_DB}.pairs (a=123, b='k2'): different values in value`);
    await sql(STACK.destination.port, [
      `UPDATE ${DEST_DB}.kv SET value = value - 1 WHERE a = 123 AND b = 'k2'`,
    ]);
  });

  it("names rows missing from and extra in the destination", async () => {
    await sql(STACK.destination.port, [
      `DELETE FROM ${DEST_DB}.orders WHERE id = 10`,
      `INSERT INTO ${DEST_DB}.orders VALUES (100000, 'paid', 1.00)`,
    ]);
    const result = await dts(["verify", specFile, "--json"]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { differences: unknown[] };
    expect(report.differences).toEqual(
      expect.arrayContaining([
        { table: `${SOURCE_DB}.orders`, kind: "missing", key: { id: "10" } },
        { table: `${SOURCE_DB}.orders`, kind: "extra", key: { id: "100000" } },
      ]),
    );
  });
});
