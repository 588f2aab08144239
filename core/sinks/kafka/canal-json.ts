import { type Row, setField } from "../../model/row.ts";
import type { TableRoute } from "../../pipeline/table-route.ts";
import { JsonBytes, piece } from "./json-bytes.ts";
import type { DdlEvent, MessageEncoder, RowEvent } from "./record.ts";
import { type CanalText, canalTextOf } from "./values.ts";

/** java.sql.Types codes; unsigned integer types move one size up, as Canal does. */
const SQL_TYPES: Record<string, number> = {
  bit: -7,
  tinyint: -6,
  smallint: 5,
  mediumint: 4,
  int: 4,
  integer: 4,
  bigint: -5,
  float: 7,
  real: 8,
  double: 8,
  decimal: 3,
  numeric: 3,
  char: 1,
  varchar: 12,
  tinytext: 2005,
  text: 2005,
  mediumtext: 2005,
  longtext: 2005,
  // Canal's own producer writes BLOB (2004) for BINARY and VARBINARY too.
  binary: 2004,
  varbinary: 2004,
  tinyblob: 2004,
  blob: 2004,
  mediumblob: 2004,
  longblob: 2004,
  date: 91,
  time: 92,
  datetime: 93,
  timestamp: 93,
  year: 12,
  enum: 4,
  set: -7,
  json: 12,
};
const UNSIGNED_UP: Record<string, number> = {
  tinyint: 5,
  smallint: 4,
  mediumint: 4,
  int: -5,
  integer: -5,
  bigint: 3,
};

export function sqlTypeOf(dataType: string, columnType: string): number {
  if (/unsigned/i.test(columnType) && dataType in UNSIGNED_UP) return UNSIGNED_UP[dataType] as number;
  return SQL_TYPES[dataType] ?? -2;
}

/** Canal's DDL `type`: what the statement does. */
export function ddlType(sql: string): string {
  const s = sql
    .replace(/\/\*.*?\*\//gs, " ")
    .trim()
    .toUpperCase();
  if (/^CREATE\s+(TEMPORARY\s+)?TABLE/.test(s)) return "CREATE";
  if (/^ALTER\s+(ONLINE\s+|IGNORE\s+)*TABLE/.test(s)) return "ALTER";
  if (/^DROP\s+(TEMPORARY\s+)?TABLE/.test(s)) return "ERASE";
  if (/^TRUNCATE/.test(s)) return "TRUNCATE";
  if (/^RENAME\s+TABLE/.test(s)) return "RENAME";
  if (/^CREATE\s+(UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX/.test(s)) return "CINDEX";
  if (/^DROP\s+INDEX/.test(s)) return "DINDEX";
  return "QUERY";
}

/** What every message of a table repeats, as JSON bytes: worked out once per table. */
interface CompiledTable {
  /** `"name":` of each column, in the table's order, and the same after a comma. */
  keys: Buffer[];
  nextKeys: Buffer[];
  columns: TableRoute["columns"];
  /** Each column's canal text. */
  texts: CanalText[];
  /** The fields between `data` and `id`, between `id` and `old`, and between `old` and `ts`. */
  afterData: Buffer;
  afterId: Buffer;
  afterOld: Buffer;
}

const compiled = new WeakMap<TableRoute, CompiledTable>();

function compile(table: TableRoute): CompiledTable {
  let entry = compiled.get(table);
  if (!entry) {
    const object = (pairs: [string, unknown][]) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of pairs) setField(out as Row, key, value);
      return JSON.stringify(out);
    };
    const mysqlType = object(table.columns.map((c) => [c.name, c.definition.columnType]));
    const sqlType = object(
      table.columns.map((c) => [c.name, sqlTypeOf(c.definition.dataType, c.definition.columnType)]),
    );
    const pkNames = JSON.stringify(table.keyNames.length > 0 ? table.keyNames : null);
    entry = {
      keys: table.columns.map((c) => piece(`${JSON.stringify(c.name)}:`)),
      nextKeys: table.columns.map((c) => piece(`,${JSON.stringify(c.name)}:`)),
      columns: table.columns,
      texts: table.columns.map((c) => canalTextOf(c.definition)),
      afterData: piece(`,"database":${JSON.stringify(table.destination.database)},"es":`),
      afterId: piece(`,"isDdl":false,"mysqlType":${mysqlType},"old":`),
      afterOld: piece(
        `,"pkNames":${pkNames},"sql":"","sqlType":${sqlType},"table":${JSON.stringify(table.destination.table)},"ts":`,
      ),
    };
    compiled.set(table, entry);
  }
  return entry;
}

const OPEN_IMAGE = piece("[{");
const CLOSE_IMAGE = piece("}]");
const NULL = piece("null");

/** A row image as `[{...}]` of canal texts, the table's columns in order. */
function image(out: JsonBytes, table: CompiledTable, row: Row): void {
  out.raw(OPEN_IMAGE);
  let first = true;
  for (let i = 0; i < table.columns.length; i++) {
    const c = table.columns[i] as TableRoute["columns"][number];
    if (!Object.hasOwn(row, c.source)) continue;
    out.raw((first ? table.keys[i] : table.nextKeys[i]) as Buffer);
    out.string((table.texts[i] as CanalText)(row[c.source]));
    first = false;
  }
  out.raw(CLOSE_IMAGE);
}

/** UPDATE's `old`, `[{...}]`: only the columns whose value changed, with their old values. */
function changed(out: JsonBytes, table: CompiledTable, before: Row, after: Row): void {
  out.raw(OPEN_IMAGE);
  let first = true;
  for (let i = 0; i < table.columns.length; i++) {
    const c = table.columns[i] as TableRoute["columns"][number];
    if (!Object.hasOwn(before, c.source)) continue;
    const was = before[c.source];
    const has = Object.hasOwn(after, c.source);
    const is = has ? after[c.source] : undefined;
    // The same string, number or null is the same text; bytes and objects are compared as text.
    if (has && was === is && (typeof was !== "object" || was === null)) continue;
    const text = table.texts[i] as CanalText;
    const old = text(was);
    if (has && text(is) === old) continue;
    out.raw((first ? table.keys[i] : table.nextKeys[i]) as Buffer);
    out.string(old);
    first = false;
  }
  out.raw(CLOSE_IMAGE);
}

/** `es` has the binlog's precision: whole seconds, in milliseconds. */
const secondsMs = (ms: number) => Math.floor(ms / 1000) * 1000;

/** The message's last field, by operation. */
const TYPE = {
  init: piece(',"type":"INSERT"}'),
  insert: piece(',"type":"INSERT"}'),
  update: piece(',"type":"UPDATE"}'),
  delete: piece(',"type":"DELETE"}'),
} as const;
const OPEN_DATA = piece('{"data":');
const ID = piece(',"id":');
/** A number's bytes, kept while the value repeats: `es` within a transaction, `ts` within a millisecond. */
class RepeatedNumber {
  private value = Number.NaN;
  private bytes = piece("");
  of(value: number): Buffer {
    if (value !== this.value) {
      this.value = value;
      this.bytes = piece(String(value));
    }
    return this.bytes;
  }
}
const es = new RepeatedNumber();
const ts = new RepeatedNumber();
/** Messages are encoded one at a time, synchronously: one writer serves them all. */
const bytes = new JsonBytes();

/** A flat message's fields, in the order they are written. */
export const CANAL_FIELDS = [
  "data",
  "database",
  "es",
  "id",
  "isDdl",
  "mysqlType",
  "old",
  "pkNames",
  "sql",
  "sqlType",
  "table",
  "ts",
  "type",
] as const;

/**
 * Canal "flat message" JSON, one message per row: `data` holds one row (the before image for a
 * DELETE), `old` the changed columns of an UPDATE; every value a string or null. Snapshot rows
 * are INSERTs. `id` is the message's sequence number, `es` the commit time (seconds x 1000).
 * Fields in the order of CANAL_FIELDS. The bytes are assembled from per-table pieces and each
 * value's string literal (see JsonBytes): the same bytes as stringifying the whole message, at a
 * fraction of the cost.
 */
export const canalJsonEncoder: MessageEncoder = {
  row(event: RowEvent, id: number): Buffer {
    const table = compile(event.table);
    const data = event.op === "delete" ? event.before : event.after;
    const out = bytes.restart().raw(OPEN_DATA);
    if (data) image(out, table, data);
    else out.raw(NULL);
    out
      .raw(table.afterData)
      .raw(es.of(secondsMs(event.sourceTimestamp)))
      .raw(ID)
      .number(id)
      .raw(table.afterId);
    if (event.op === "update" && event.before && event.after) changed(out, table, event.before, event.after);
    else out.raw(NULL);
    return out.raw(table.afterOld).raw(ts.of(Date.now())).raw(TYPE[event.op]).take();
  },
  ddl(event: DdlEvent, id: number): Buffer {
    const message = {
      data: null,
      database: event.database,
      es: secondsMs(event.sourceTimestamp),
      id: id,
      isDdl: true,
      mysqlType: null,
      old: null,
      pkNames: null,
      sql: event.sql,
      sqlType: null,
      table: event.table,
      ts: Date.now(),
      type: ddlType(event.sql),
    };
    return Buffer.from(JSON.stringify(message));
  },
};
