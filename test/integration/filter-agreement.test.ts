import fc from "fast-check";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCatalog } from "#core/source/catalog-reader.ts";
import { collationNamed, generalWeight } from "#core/sql/collation.ts";
import { type FilterColumn, FilterError, parseFilter, renderFilter } from "#core/sql/filter.ts";
import { matchesFilter } from "#core/sql/filter-eval.ts";
import { STACK } from "../support/stack.ts";

/**
 * Property: for generated filters, the rows the source server selects with the rendered SQL (full
 * load), the rows it selects with the filter text as the user wrote it, and the rows the JS
 * evaluator keeps (incremental) are the same rows — NULLs, PAD SPACE and NO PAD, collations (general_ci,
 * _bin, _nopad_, latin1_swedish_ci with its Swedish letters...) and MySQL's string/number conversions
 * included. The server must also accept every filter parseFilter accepts.
 */
const DB = "filter_agreement";
const SEED = 20_240_611;
const GENERAL = "utf8mb4_general_ci";
const COLUMNS: FilterColumn[] = [
  { name: "n", dataType: "int" },
  { name: "s", dataType: "varchar", collation: GENERAL },
  { name: "s2", dataType: "varchar", collation: GENERAL },
  { name: "d", dataType: "decimal" },
  { name: "l", dataType: "varchar", collation: "latin1_swedish_ci" },
  { name: "b", dataType: "varbinary" },
  { name: "dt", dataType: "datetime" },
  { name: "e", dataType: "enum", collation: GENERAL },
  { name: "bn", dataType: "varchar", collation: "utf8mb4_bin" },
  { name: "np", dataType: "varchar", collation: "utf8mb4_nopad_bin" },
  { name: "gnp", dataType: "varchar", collation: "utf8mb4_general_nopad_ci" },
  { name: "lg", dataType: "varchar", collation: "latin1_general_ci" },
  { name: "lb", dataType: "char", collation: "latin1_bin" },
  // Not modelled: only = / <> / IN with its values spelled exactly as defined pass parseFilter.
  {
    name: "eu",
    dataType: "enum",
    collation: "utf8mb4_unicode_ci",
    columnType: "enum('new','paid','void','Ä','é')",
  },
];
const TEXT_COLUMNS = ["s", "s2", "bn", "np", "gnp"];
const LATIN1_COLUMNS = ["l", "lg", "lb"];
const TEXT_CHARS = [
  "a",
  "A",
  "b",
  "B",
  "z",
  "_",
  "%",
  "\\",
  " ",
  "\t",
  "é",
  "E",
  "e",
  "ß",
  "s",
  "😀",
  "😁",
  "1",
  "0",
  ".",
  "-",
  "x",
  "'",
  "й",
  "И",
  "Й",
  "ｚ",
  "\uFFFD",
];
// latin1_swedish_ci: Å, Ä, Ö after Z, Ä = Æ = '\\', Ü = Y, Ð = D; latin1_bin orders bytes ('€' is 0x80).
const LATIN1_CHARS = [..."aAbBzZ_%\\ éE10.ex".split(""), ..."ÅåÄäÖöÆæØøÜüYyÐDdßSs€[]".split("")];
const NUMERIC_TEXT = [" 12abc", "1e1", "10", "1.50", "abc", "", " ", "-0", ".5", "2", "-3"];
const DATES = [
  "2024-01-01",
  "2024-01-01 00:00:00",
  "2024-01-01 10:00:00",
  "2023-12-31 23:59:59",
  "2024-01-02 00:00:00.5",
];

const textOf = (chars: string[], max = 5) =>
  fc.oneof(
    fc.array(fc.constantFrom(...chars), { maxLength: max }).map((c) => c.join("")),
    fc.constantFrom(...NUMERIC_TEXT),
  );
const orNull = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 5 });
const rowArb = fc.record({
  n: orNull(fc.integer({ min: -3, max: 12 })),
  s: orNull(textOf(TEXT_CHARS)),
  s2: orNull(textOf(TEXT_CHARS)),
  d: orNull(fc.integer({ min: -1500, max: 1500 }).map((c) => (c / 100).toFixed(2))),
  l: orNull(textOf(LATIN1_CHARS)),
  b: orNull(fc.array(fc.constantFrom("a", "A", "b", "%", "_", " "), { maxLength: 4 }).map((c) => c.join(""))),
  dt: orNull(fc.constantFrom(...DATES.slice(1, 4), "2024-01-02 00:00:00")),
  e: orNull(fc.constantFrom("z", "a", "b", "é", "10")),
  bn: orNull(textOf(TEXT_CHARS)),
  np: orNull(textOf(TEXT_CHARS)),
  gnp: orNull(textOf(TEXT_CHARS)),
  lg: orNull(textOf(LATIN1_CHARS)),
  lb: orNull(textOf(LATIN1_CHARS)),
  eu: orNull(fc.constantFrom("new", "paid", "void", "Ä", "é")),
});
const ROW_COLUMNS = ["n", "s", "s2", "d", "l", "b", "dt", "e", "bn", "np", "gnp", "lg", "lb", "eu"] as const;

/** A string literal as a user writes it (backslash escapes on). */
const quote = (value: string) => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
const column = fc.oneof(
  fc.constantFrom("n", "d", "b", "e", "N", "`s`", "`d`"),
  fc.constantFrom(...TEXT_COLUMNS),
  fc.constantFrom(...LATIN1_COLUMNS),
  fc.constantFrom("eu"),
);
const literal = fc.oneof(
  fc.integer({ min: -3, max: 12 }).map(String),
  fc.constantFrom(
    "1.5",
    "0.10",
    "-2.25",
    "10.00",
    "3.",
    ".5",
    "1e1",
    "1.5E0",
    "-2e0",
    "NULL",
    "TRUE",
    "FALSE",
  ),
  textOf(TEXT_CHARS).map(quote),
  textOf(LATIN1_CHARS).map(quote),
  fc.constantFrom("new", "paid", "void", "Ä", "é", "NEW", "ä", "e", "void ").map(quote),
);
/** The values of `eu` as defined, NULL, and near misses (refused: they compare by the collation). */
const enumValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("new", "paid", "void", "Ä", "é").map(quote) },
  { weight: 1, arbitrary: fc.constantFrom("NULL", "'NEW'", "'ä'", "'e'", "'void '", "1") },
);
const value = fc.oneof({ weight: 2, arbitrary: literal }, { weight: 1, arbitrary: column });
const dateValue = fc.oneof(fc.constantFrom(...DATES).map(quote), fc.constantFrom("dt", "NULL"));
const pattern = fc.oneof(
  fc
    .array(
      fc.constantFrom(
        "a",
        "A",
        "%",
        "_",
        "\\",
        "\\%",
        "|",
        "|_",
        "é",
        "😀",
        " ",
        "1",
        ".",
        "Ä",
        "å",
        "ß",
        "й",
      ),
      { maxLength: 5 },
    )
    .map((c) => quote(c.join(""))),
  column,
);
const not = fc.constantFrom("", "NOT ");
const compareOp = fc.constantFrom("=", "<>", "!=", "<", ">", "<=", ">=", "<=>");

const predicate = fc.oneof(
  fc.tuple(column, compareOp, value).map(([a, op, b]) => `${a} ${op} ${b}`),
  fc
    .tuple(column, not, fc.array(value, { minLength: 1, maxLength: 4 }))
    .map(([a, n, list]) => `${a} ${n}IN (${list.join(", ")})`),
  fc.tuple(column, not, value, value).map(([a, n, low, high]) => `${a} ${n}BETWEEN ${low} AND ${high}`),
  fc
    .tuple(column, not, pattern, fc.constantFrom("", " ESCAPE '|'"))
    .map(([a, n, p, clause]) => `${a} ${n}LIKE ${p}${clause}`),
  fc.tuple(column, fc.constantFrom("IS NULL", "IS NOT NULL")).map(([a, is]) => `${a} ${is}`),
  fc.tuple(compareOp, dateValue).map(([op, b]) => `dt ${op} ${b}`),
  fc.tuple(not, dateValue, dateValue).map(([n, low, high]) => `dt ${n}BETWEEN ${low} AND ${high}`),
  fc.tuple(fc.constantFrom("=", "<>", "!=", "<=>"), enumValue).map(([op, v]) => `eu ${op} ${v}`),
  fc
    .tuple(not, fc.array(enumValue, { minLength: 1, maxLength: 3 }))
    .map(([n, list]) => `eu ${n}IN (${list.join(", ")})`),
);
const { filter } = fc.letrec<{ filter: string }>((tie) => ({
  filter: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    predicate,
    fc
      .tuple(tie("filter"), fc.constantFrom("AND", "OR"), tie("filter"))
      .map(([a, op, b]) => `(${a}) ${op} ${b}`),
    tie("filter").map((f) => `NOT (${f})`),
  ),
}));

let connection: mysql.Connection;
let rows: Record<string, unknown>[];

beforeAll(async () => {
  connection = await mysql.createConnection({
    ...STACK.source,
    charset: "utf8mb4_general_ci",
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  await connection.query("SET time_zone = '+00:00'");
  await connection.query(`DROP DATABASE IF EXISTS ${DB}`);
  await connection.query(`CREATE DATABASE ${DB}`);
  await connection.query(
    `CREATE TABLE ${DB}.t (id INT PRIMARY KEY, n INT NULL,
       s VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NULL,
       s2 VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NULL,
       d DECIMAL(10,2) NULL, l VARCHAR(20) CHARACTER SET latin1 NULL, b VARBINARY(8) NULL, dt DATETIME NULL,
       e ENUM('z', 'a', 'b', 'é', '10') CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NULL,
       bn VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
       np VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
       gnp VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_nopad_ci NULL,
       lg VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_general_ci NULL,
       lb CHAR(8) CHARACTER SET latin1 COLLATE latin1_bin NULL,
       eu ENUM('new', 'paid', 'void', 'Ä', 'é') CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL)`,
  );
  const generated = fc.sample(rowArb, { seed: SEED, numRuns: 160 });
  const values = generated.map((r, i) => [i + 1, ...ROW_COLUMNS.map((c) => r[c])]);
  await connection.query(`INSERT INTO ${DB}.t (id, ${ROW_COLUMNS.join(", ")}) VALUES ?`, [values]);
  rows = (await connection.query(`SELECT * FROM ${DB}.t ORDER BY id`))[0] as Record<string, unknown>[];
});

afterAll(async () => {
  await connection?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await connection?.end();
});

/** Ids the server selects (it refuses no filter parseFilter accepts: a latin1 column against '😀'...). */
async function serverIds(where: string): Promise<number[]> {
  const [result] = await connection.query(`SELECT id FROM ${DB}.t WHERE ${where} ORDER BY id`);
  return (result as { id: number }[]).map((r) => r.id);
}

describe("WHERE filters: the server and the JS evaluator select the same rows", () => {
  it("reads the collation of each text column into the catalog, which parseFilter takes", async () => {
    const table = (await readCatalog(connection, [DB])).get(DB)?.get("t");
    const read = table?.columns.filter((c) => c.name !== "id").map((c) => [c.name, c.collation]);
    expect(read).toEqual(COLUMNS.map((c) => [c.name, c.collation]));
    expect(table?.columns.find((c) => c.name === "eu")?.columnType).toBe(
      COLUMNS.find((c) => c.name === "eu")?.columnType,
    );
  });

  it("agrees on generated filters", async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(filter, async (text) => {
        let expr: ReturnType<typeof parseFilter>;
        try {
          expr = parseFilter(text, COLUMNS);
        } catch (error) {
          if (error instanceof FilterError) return fc.pre(false);
          throw error;
        }
        const rendered = await serverIds(renderFilter(expr).sql);
        const asWritten = await serverIds(text);
        const js = rows.filter((row) => matchesFilter(expr, row)).map((row) => row.id as number);
        expect({ text, rendered: js }).toEqual({ text, rendered });
        expect({ text, asWritten: js }).toEqual({ text, asWritten });
        checked++;
      }),
      { seed: SEED, numRuns: 600 },
    );
    expect(checked).toBeGreaterThan(300);
  });

  it("weighs characters as the server does (the collation tables are the server's)", async () => {
    const weights = async (hex: string, collation: string) => {
      const charset = collation.split("_")[0];
      const [[row]] = (await connection.query(
        `SELECT HEX(WEIGHT_STRING(CONVERT(_utf8mb4 X'${hex}' USING ${charset}) COLLATE ${collation})) AS w`,
      )) as unknown as [[{ w: string }]];
      return Buffer.from(row.w, "hex");
    };
    // Every BMP code point under utf8mb4_general_ci (2 bytes of weight each), 2048 at a time.
    const wrong: string[] = [];
    for (let start = 0; start < 0x10000; start += 2048) {
      const cps = Array.from({ length: 2048 }, (_, i) => start + i).filter((c) => c < 0xd800 || c > 0xdfff);
      const server = await weights(Buffer.from(`${String.fromCodePoint(...cps)}.`).toString("hex"), GENERAL);
      cps.forEach((cp, i) => {
        if (server.readUInt16BE(i * 2) !== generalWeight(cp)) wrong.push(`U+${cp.toString(16)}`);
      });
    }
    expect(wrong).toEqual([]);
    // Every latin1 character under the latin1 collations (1 byte of weight each); _bin: byte order.
    const latin1 = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString("hex");
    const [[chars]] = (await connection.query(
      `SELECT CONVERT(_latin1 X'${latin1}' USING utf8mb4) AS text`,
    )) as unknown as [[{ text: string }]];
    for (const name of ["latin1_swedish_ci", "latin1_general_ci", "latin1_bin"]) {
      const collation = collationNamed(name);
      const server = await weights(Buffer.from(`${chars.text}.`).toString("hex"), name);
      const ours = [...chars.text].map((ch) => collation?.weight(ch.codePointAt(0) ?? 0));
      expect({ name, weights: ours }).toEqual({ name, weights: [...server.subarray(0, 256)] });
    }
  });
});
