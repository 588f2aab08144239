import { type Row, setField } from "../../model/row.ts";
import type { TableRoute } from "../../pipeline/table-route.ts";
import type { DdlEvent, MessageEncoder, RowEvent } from "./record.ts";
import { canalText, columnValue } from "./values.ts";

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

function image(table: TableRoute, row: Row): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const c of table.columns) {
    if (!Object.hasOwn(row, c.source)) continue;
    setField(out, c.name, canalText(columnValue(row[c.source], c.definition)));
  }
  return out;
}

/** UPDATE's `old`: only the columns whose value changed, with their old values. */
function changed(table: TableRoute, before: Row, after: Row): Record<string, string | null> {
  const old = image(table, before);
  const now = image(table, after);
  return Object.fromEntries(Object.entries(old).filter(([name, value]) => now[name] !== value));
}

/** `es` has the binlog's precision: whole seconds, in milliseconds. */
const secondsMs = (ms: number) => Math.floor(ms / 1000) * 1000;

const TYPE = { init: "INSERT", insert: "INSERT", update: "UPDATE", delete: "DELETE" } as const;

/**
 * Canal "flat message" JSON, one message per row: `data` holds one row (the before image for a
 * DELETE), `old` the changed columns of an UPDATE; every value a string or null. Snapshot rows
 * are INSERTs. `id` is the message's sequence number, `es` the commit time (seconds x 1000).
 */
export const canalJsonEncoder: MessageEncoder = {
  row(event: RowEvent, id: bigint): Buffer {
    const { table } = event;
    const data = event.op === "delete" ? event.before : event.after;
    const message = {
      data: data ? [image(table, data)] : null,
      database: table.destination.database,
      es: secondsMs(event.sourceTimestamp),
      id: Number(id),
      isDdl: false,
      mysqlType: Object.fromEntries(table.columns.map((c) => [c.name, c.definition.columnType])),
      old:
        event.op === "update" && event.before && event.after
          ? [changed(table, event.before, event.after)]
          : null,
      pkNames: table.keyNames.length > 0 ? table.keyNames : null,
      sql: "",
      sqlType: Object.fromEntries(
        table.columns.map((c) => [c.name, sqlTypeOf(c.definition.dataType, c.definition.columnType)]),
      ),
      table: table.destination.table,
      ts: Date.now(),
      type: TYPE[event.op],
    };
    return Buffer.from(JSON.stringify(message));
  },
  ddl(event: DdlEvent, id: bigint): Buffer {
    const message = {
      data: null,
      database: event.database,
      es: secondsMs(event.sourceTimestamp),
      id: Number(id),
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
