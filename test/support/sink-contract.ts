import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Catalog, CatalogColumn, CatalogTable } from "#core/model/catalog.ts";
import type { Row, RowChange, SourceTransaction } from "#core/model/row.ts";
import type { ChangeSink } from "#core/pipeline/sink.ts";
import { buildRoutes, type TableRoute } from "#core/pipeline/table-route.ts";
import type { TaskSpec, TaskSpecInput } from "#core/spec/schema.ts";
import { spec as taskSpec } from "./spec-fixtures.ts";

/** A destination row as text, as canal-json writes values: numbers and temporals as the server's text, bytes as ISO-8859-1. */
export type TextRow = Record<string, string | null>;

/** Statements or records the destination holds about a table: its definition (MySQL) or forwarded DDL (Kafka). */
export interface DdlRecord {
  database: string;
  table: string;
  sql: string;
}

/** What the destination holds: rows of each table by `database.table`, and its DDL records. */
export interface DestinationState {
  tables: Map<string, TextRow[]>;
  ddl: DdlRecord[];
}

/** Source and destination database names of one run (unique: the servers are shared). */
export interface ContractNames {
  source: string;
  destination: string;
}

/** One destination kind under test: the real adapter against its server, or the in-memory fake. */
export interface SinkDriver {
  /** Makes the destination ready (databases and tables, or a topic) and returns the spec's destination. */
  prepare(names: ContractNames): Promise<TaskSpecInput["destination"]>;
  /** The source catalog the routes are built from (the tables of fixtureDdl). */
  catalog(names: ContractNames): Promise<Catalog>;
  /** Builds the sink as the tailer gets it for the task. */
  open(spec: TaskSpec): Promise<ChangeSink>;
  /** Reads back everything the destination holds (Kafka: the topic from the start, folded by key). */
  read(): Promise<DestinationState>;
  cleanup?(): Promise<void>;
}

/** Columns (name, COLUMN_TYPE, DATA_TYPE) of the small tables. */
const SMALL: [string, string, string][] = [
  ["id", "int(11)", "int"],
  ["qty", "int(11)", "int"],
  ["label", "varchar(20)", "varchar"],
];
/** Tables of the fixture: source name, destination name, columns; `id` is the key of each. */
const TABLES: { name: string; as: string; columns: [string, string, string][] }[] = [
  {
    name: "parcels",
    as: "goods",
    columns: [
      ["id", "int(11)", "int"],
      ["code", "varchar(60)", "varchar"],
      ["amount", "decimal(20,6)", "decimal"],
      ["happened", "datetime(6)", "datetime"],
      ["note", "text", "text"],
      ["payload", "varbinary(16)", "varbinary"],
      ["big", "bigint(20)", "bigint"],
    ],
  },
  { name: "slips", as: "slips", columns: SMALL },
  { name: "notes", as: "notes", columns: SMALL },
  { name: "hidden", as: "hidden", columns: SMALL },
];
const TEXT_TYPES = new Set(["varchar", "text"]);

/** CREATE TABLE statements of the fixture in `database`, under source or destination table names. */
export function fixtureDdl(database: string, names: "source" | "destination"): string[] {
  return TABLES.map((t) => {
    const columns = t.columns.map(([n, type]) => `\`${n}\` ${type} ${n === "id" ? "NOT NULL" : "NULL"}`);
    const name = names === "source" ? t.name : t.as;
    return `CREATE TABLE \`${database}\`.\`${name}\` (${columns.join(", ")}, PRIMARY KEY (id)) DEFAULT CHARSET=utf8mb4`;
  });
}

/** The source catalog of fixtureDdl, as information_schema describes it. */
export function fixtureCatalog(database: string): Catalog {
  const tables = TABLES.map((t): [string, CatalogTable] => {
    const columns = t.columns.map(
      ([name, columnType, dataType]): CatalogColumn => ({
        name,
        dataType,
        columnType,
        nullable: name !== "id",
        generated: false,
        ...(TEXT_TYPES.has(dataType) ? { charset: "utf8mb4", collation: "utf8mb4_general_ci" } : {}),
      }),
    );
    const keys = [{ name: "PRIMARY", primary: true, unique: true, columns: ["id"] }];
    return [t.name, { database, name: t.name, columns, keys, estimatedRows: 0 }];
  });
  return new Map([[database, new Map(tables)]]);
}

/** The task: parcels renamed, slips filtered, notes without deletes, hidden not selected. */
function contractSpec(names: ContractNames, destination: TaskSpecInput["destination"]): TaskSpec {
  return taskSpec({
    name: `contract-${names.source}`.replaceAll("_", "-"),
    destination,
    migrationTypes: ["incremental"],
    objects: [
      {
        database: names.source,
        as: names.destination,
        tables: [
          { name: "parcels", as: "goods" },
          { name: "slips", where: "qty >= 10" },
          { name: "notes", dml: ["insert", "update"] },
        ],
      },
    ],
  });
}

/** Typed values as the binlog reader delivers them: digits as text for DECIMAL and large BIGINT, DATETIME as text, bytes. */
const parcel = (id: number, values: Partial<Row> = {}): Row => ({
  id,
  code: `it's "quoted" \\ back\\slash 🚀 #${id}`,
  amount: "-12345678901234.123456",
  happened: "2024-02-29 23:59:59.123456",
  note: "line\nbreak\ttab 'ü' ✓ \\0 \u0000 end",
  payload: Buffer.from([0, 1, 0x27, 0x5c, 0x22, 0x80, 0xff, id & 0xff]),
  big: "9007199254740993",
  ...values,
});
const NULLS = { code: null, amount: null, happened: null, note: null, payload: null, big: null };
const EMPTY = { code: "", amount: "0.000000", happened: "1000-01-01 00:00:00.000000", note: "", big: -1 };
const small = (id: number, qty: number, label = `row ${id}`): Row => ({ id, qty, label });

/** The text a destination holds for a source row (the fixture's values are already in the server's text form). */
function text(row: Row): TextRow {
  const value = (v: unknown) => (v === null ? null : Buffer.isBuffer(v) ? v.toString("latin1") : String(v));
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, value(v)]));
}

/** Rows as the destination would hold them as text (for drivers whose destination keeps typed rows). */
export function textRows(rows: readonly Row[]): TextRow[] {
  return rows.map(text);
}

const START = Date.UTC(2031, 0, 1);

/** What the tailer relies on from every ChangeSink. */
export function sinkContract(label: string, driver: SinkDriver): void {
  const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const names = { source: `sink_${label}_${run}`, destination: `sink_${label}_${run}_out` };
  let sink: ChangeSink;
  let routes: Map<string, TableRoute>;
  let position = 4;

  const tx = (...changes: RowChange[]): SourceTransaction => {
    position += 100;
    return { position: { file: "binlog.000001", position }, timestamp: START + position, changes };
  };
  const change = (table: string, op: RowChange["op"], before?: Row, after?: Row): RowChange => ({
    op,
    database: names.source,
    table,
    ...(before ? { before } : {}),
    ...(after ? { after } : {}),
  });
  const insert = (table: string, row: Row) => change(table, "insert", undefined, row);
  const update = (table: string, before: Row, after: Row) => change(table, "update", before, after);
  const remove = (table: string, row: Row) => change(table, "delete", row);
  const ddl = (sql: string): SourceTransaction => ({ ...tx(), ddl: { database: names.source, sql } });

  /** Rows of a destination table whose id is in [from, from + 100), by id. */
  async function rowsOf(table: string, from: number): Promise<Record<string, TextRow>> {
    const state = await driver.read();
    const rows = state.tables.get(`${names.destination}.${table}`) ?? [];
    const inRange = rows.filter((r) => Number(r.id) >= from && Number(r.id) < from + 100);
    return Object.fromEntries(inRange.map((r) => [String(r.id), r]));
  }

  describe(`the ${label} change sink`, () => {
    beforeAll(async () => {
      const destination = await driver.prepare(names);
      const spec = contractSpec(names, destination);
      routes = buildRoutes(spec, await driver.catalog(names));
      sink = await driver.open(spec);
    });

    afterAll(async () => {
      await sink?.close();
      await driver.cleanup?.();
    });

    it("applies the inserts, updates and deletes of a batch in order per key, values exactly", async () => {
      const a = parcel(101);
      const b = parcel(102, NULLS);
      const c = parcel(103, EMPTY);
      const d = parcel(104);
      const a2 = { ...a, amount: "0.000001", note: "now 'changed' ☃", payload: Buffer.alloc(0) };
      const c2 = parcel(103, { code: "born again", big: 42 });
      const written = await sink.writeTransactions(
        [
          tx(insert("parcels", a), insert("parcels", b), insert("parcels", c)),
          tx(update("parcels", a, a2), insert("parcels", d), update("parcels", d, { ...d, code: "x" })),
          tx(remove("parcels", { ...d, code: "x" }), remove("parcels", c), insert("parcels", c2)),
        ],
        routes,
      );
      expect(written).toBe(9);
      expect(await rowsOf("goods", 100)).toEqual({ 101: text(a2), 102: text(b), 103: text(c2) });
    });

    it("moves a row whose key changes: the old key is gone, the new key holds the row", async () => {
      const row = parcel(201);
      const moved = { ...row, id: 202, code: "moved" };
      const back = { ...moved, id: 203 };
      await sink.writeTransactions([tx(insert("parcels", row)), tx(update("parcels", row, moved))], routes);
      expect(await rowsOf("goods", 200)).toEqual({ 202: text(moved) });
      await sink.writeTransactions(
        [tx(update("parcels", moved, back), update("parcels", back, row))],
        routes,
      );
      expect(await rowsOf("goods", 200)).toEqual({ 201: text(row) });
    });

    it("counts a key-changing UPDATE as one row written, like every other selected row change", async () => {
      const row = parcel(251);
      expect(await sink.writeTransactions([tx(insert("parcels", row))], routes)).toBe(1);
      const moved = { ...row, id: 252 };
      expect(await sink.writeTransactions([tx(update("parcels", row, moved))], routes)).toBe(1);
    });

    it("applies the task's selection: tables, DML operations and the WHERE filter on both images", async () => {
      const written = await sink.writeTransactions(
        [
          tx(insert("hidden", small(301, 50)), insert("notes", small(301, 1))),
          tx(update("notes", small(301, 1), small(301, 2, "kept")), remove("notes", small(301, 2, "kept"))),
          tx(
            insert("slips", small(301, 5)),
            insert("slips", small(302, 20)),
            insert("slips", small(303, 30)),
          ),
          tx(update("slips", small(302, 20), small(302, 3)), update("slips", small(301, 5), small(301, 50))),
          tx(update("slips", small(303, 30), small(303, 31)), remove("slips", small(302, 3))),
        ],
        routes,
      );
      // notes: insert, update (its delete is not selected); slips: 302, 303 in, 302 out, 301 in, 303.
      expect(written).toBe(7);
      expect(await rowsOf("hidden", 300)).toEqual({});
      expect(await rowsOf("notes", 300)).toEqual({ 301: text(small(301, 2, "kept")) });
      expect(await rowsOf("slips", 300)).toEqual({ 301: text(small(301, 50)), 303: text(small(303, 31)) });
    });

    it("leaves the same state when a batch is written again (replay from the checkpoint)", async () => {
      const a = parcel(401);
      const b = parcel(402, NULLS);
      const moved = { ...b, id: 403 };
      const batch = [
        tx(insert("parcels", a), insert("parcels", b), insert("slips", small(401, 10))),
        tx(update("parcels", b, moved), remove("parcels", a), insert("parcels", { ...a, big: 7 })),
        tx(update("slips", small(401, 10), small(401, 9)), update("slips", small(401, 9), small(401, 99))),
      ];
      const first = await sink.writeTransactions(batch, routes);
      const state = { goods: await rowsOf("goods", 400), slips: await rowsOf("slips", 400) };
      expect(state).toEqual({
        goods: { 401: text({ ...a, big: 7 }), 403: text(moved) },
        slips: { 401: text(small(401, 99)) },
      });
      expect(await sink.writeTransactions(batch, routes)).toBe(first);
      expect({ goods: await rowsOf("goods", 400), slips: await rowsOf("slips", 400) }).toEqual(state);
    });

    it("writes nothing for DDL on tables outside the selection and returns false", async () => {
      const before = (await driver.read()).ddl;
      expect(await sink.writeDdl(ddl("ALTER TABLE hidden ADD COLUMN z INT NULL"), routes)).toBe(false);
      expect(await sink.writeDdl(ddl("CREATE TABLE fresh (id INT PRIMARY KEY)"), routes)).toBe(false);
      expect(await sink.writeDdl({ ...tx(), ddl: undefined }, routes)).toBe(false);
      expect((await driver.read()).ddl).toEqual(before);
    });

    it("applies or forwards DDL on a selected table under its mapped names and returns true", async () => {
      const sql = "ALTER TABLE parcels ADD COLUMN extra VARCHAR(10) NULL";
      expect(await sink.writeDdl(ddl(sql), routes)).toBe(true);
      const records = (await driver.read()).ddl;
      const goods = records.filter((r) => r.database === names.destination && r.table === "goods");
      expect(goods.some((r) => /\bextra\b/.test(r.sql))).toBe(true);
      for (const record of records) {
        expect(record.database).not.toBe(names.source);
        expect(record.sql).not.toMatch(/\bparcels\b/);
      }
    });
  });
}
