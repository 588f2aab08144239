import type { Row, RowChange } from "../model/row.ts";
import { type ColumnDescription, type Cursor, type ValueReader, valueReader } from "./row-values.ts";

/**
 * Decodes the rows of WRITE/UPDATE/DELETE_ROWS events (v1 from MariaDB, v2 from MySQL) straight
 * from the event's bytes into row changes, with one value reader per column chosen once per table
 * map. ZongJi decodes every value through a generic switch and re-reads its parser's offset through
 * getters; on OLTP-sized transactions that decoding was the tailer's largest cost.
 */

/** A table as @vlasky/zongji's table map holds it (the column names, types, metadata and charsets of its TABLE_MAP event). */
export interface MappedTable {
  parentSchema: string;
  tableName: string;
  columns?: { name: string; type: number; charset?: string | null; metadata?: Record<string, number> }[];
  columnSchemas?: ColumnDescription["schema"][];
}

export interface RowImagePlan {
  database: string;
  table: string;
  names: string[];
  readers: ValueReader[];
  /** Index of a column named `__proto__` (set with defineProperty), or -1. */
  proto: number;
}

/**
 * The decoding plan of a mapped table, or undefined when a column's type is left to ZongJi. `rename`
 * maps a stand-in column name back to the real one (see binlog-reader.ts on `__proto__`).
 */
export function rowImagePlan(table: MappedTable, rename: (name: string) => string): RowImagePlan | undefined {
  const columns = table.columns;
  const schemas = table.columnSchemas;
  if (!columns || !schemas || schemas.length < columns.length) return undefined;
  const readers: ValueReader[] = [];
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i];
    const schema = schemas[i];
    if (!column || !schema) return undefined;
    const reader = valueReader({
      type: column.type,
      charset: column.charset,
      metadata: column.metadata,
      schema,
    });
    if (!reader) return undefined;
    readers.push(reader);
  }
  const names = columns.map((c) => rename(c.name));
  return {
    database: table.parentSchema,
    table: table.tableName,
    names,
    readers,
    proto: names.indexOf("__proto__"),
  };
}

export type RowsOp = RowChange["op"];

/** Binlog event type codes of the row events decoded here. */
export const ROWS_EVENTS: Record<number, { op: RowsOp; v2: boolean }> = {
  23: { op: "insert", v2: false },
  24: { op: "update", v2: false },
  25: { op: "delete", v2: false },
  30: { op: "insert", v2: true },
  31: { op: "update", v2: true },
  32: { op: "delete", v2: true },
};

/** The 6-byte table id that opens a TABLE_MAP or rows event body. */
export function tableIdAt(buf: Buffer, at: number): number {
  return buf.readUIntLE(at, 6);
}

function lengthEncoded(c: Cursor): number {
  const first = c.buf[c.pos++] as number;
  if (first < 251) return first;
  const size = first === 252 ? 2 : first === 253 ? 3 : 8;
  const value = size === 8 ? Number(c.buf.readBigUInt64LE(c.pos)) : c.buf.readUIntLE(c.pos, size);
  c.pos += size;
  return value;
}

const isSet = (buf: Buffer, from: number, bit: number): boolean =>
  ((buf[from + (bit >> 3)] as number) & (1 << (bit & 7))) !== 0;

function readImage(plan: RowImagePlan, c: Cursor, present: number, presentCount: number): Row {
  const { names, readers } = plan;
  const nulls = c.pos;
  c.pos += (presentCount + 7) >> 3;
  const row: Row = {};
  for (let i = 0, n = 0; i < names.length; i++) {
    let value = null;
    if (isSet(c.buf, present, i)) {
      if (!isSet(c.buf, nulls, n)) value = (readers[i] as ValueReader)(c);
      n++;
    }
    if (i === plan.proto)
      Object.defineProperty(row, "__proto__", {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else row[names[i] as string] = value;
  }
  return row;
}

function bitsSet(buf: Buffer, from: number, bytes: number): number {
  let n = 0;
  for (let i = 0; i < bytes; i++) {
    let b = buf[from + i] as number;
    while (b) {
      n += b & 1;
      b >>= 1;
    }
  }
  return n;
}

/**
 * Appends the row changes of one rows event (its body from `start` to `end`, checksum excluded) to
 * `out`. Returns false, having appended nothing, when the event's column count is not the plan's.
 */
export function decodeRows(
  plan: RowImagePlan,
  event: { op: RowsOp; v2: boolean },
  buf: Buffer,
  start: number,
  end: number,
  out: RowChange[],
): boolean {
  const c: Cursor = { buf, pos: start + 8 }; // table id, flags
  if (event.v2) c.pos += buf.readUInt16LE(c.pos);
  const width = lengthEncoded(c);
  if (width !== plan.names.length) return false;
  const bytes = (width + 7) >> 3;
  const before = c.pos;
  const after = event.op === "update" ? before + bytes : before;
  c.pos = after + bytes;
  const beforeCount = bitsSet(buf, before, bytes);
  const afterCount = after === before ? beforeCount : bitsSet(buf, after, bytes);
  const { database, table } = plan;
  while (c.pos < end) {
    if (event.op === "insert")
      out.push({ op: "insert", database, table, after: readImage(plan, c, before, beforeCount) });
    else if (event.op === "delete")
      out.push({ op: "delete", database, table, before: readImage(plan, c, before, beforeCount) });
    else {
      const old = readImage(plan, c, before, beforeCount);
      out.push({ op: "update", database, table, before: old, after: readImage(plan, c, after, afterCount) });
    }
  }
  if (c.pos !== end)
    throw new Error(`rows event of ${database}.${table} ends ${c.pos - end} bytes past its length`);
  return true;
}
