import type { CatalogColumn } from "../../model/catalog.ts";
import { SPATIAL_TYPES } from "../../model/data-types.ts";

/** How dts-avro describes a column and splits its temporal values (the product's conventions). */

/** MySQL binlog column type codes (dataTypeNumber). */
const TYPE_NUMBERS: Record<string, number> = {
  decimal: 246,
  numeric: 246,
  tinyint: 1,
  smallint: 2,
  int: 3,
  integer: 3,
  float: 4,
  double: 5,
  real: 5,
  timestamp: 7,
  bigint: 8,
  mediumint: 9,
  date: 10,
  time: 11,
  datetime: 12,
  year: 13,
  varchar: 15,
  varbinary: 15,
  bit: 16,
  json: 245,
  enum: 247,
  set: 248,
  tinyblob: 249,
  tinytext: 249,
  mediumblob: 250,
  mediumtext: 250,
  longblob: 251,
  longtext: 251,
  blob: 252,
  text: 252,
  char: 254,
  binary: 254,
};

export function dataTypeNumber(dataType: string): number {
  return TYPE_NUMBERS[dataType] ?? 255;
}

const INTEGER_PRECISION: Record<string, number> = {
  tinyint: 3,
  smallint: 5,
  mediumint: 7,
  int: 10,
  integer: 10,
};

export function precisionScale(columnType: string): [number, number] | undefined {
  const m = /\((\d+)(?:,(\d+))?\)/.exec(columnType);
  return m ? [Number(m[1]), Number(m[2] ?? 0)] : undefined;
}

export function integerPrecision(column: CatalogColumn): number {
  if (column.dataType === "bit") return precisionScale(column.columnType)?.[0] ?? 1;
  if (column.dataType === "bigint") return /unsigned/i.test(column.columnType) ? 20 : 19;
  const base = INTEGER_PRECISION[column.dataType] ?? 10;
  return /unsigned/i.test(column.columnType) && column.dataType === "mediumint" ? 8 : base;
}

/** Splits MySQL temporal text into DateTime parts; a negative TIME signs every non-zero part. */
export function dateTimeParts(text: string, dataType: string): Record<string, { int: number } | null> {
  const parts: Record<string, { int: number } | null> = {
    year: null,
    month: null,
    day: null,
    hour: null,
    minute: null,
    second: null,
    millis: null,
  };
  const int = (v: string | undefined, sign = 1) => (v === undefined ? null : { int: sign * Number(v) || 0 });
  const micros = (f: string | undefined) => (f === undefined ? "0" : f.padEnd(6, "0").slice(0, 6));
  if (dataType === "year") {
    parts.year = int(text);
    return parts;
  }
  if (dataType === "time") {
    const m = /^(-)?(\d+):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text);
    if (!m) return parts;
    const sign = m[1] ? -1 : 1;
    Object.assign(parts, {
      hour: int(m[2], sign),
      minute: int(m[3], sign),
      second: int(m[4], sign),
      millis: int(micros(m[5]), sign),
    });
    return parts;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?$/.exec(text);
  if (!m) return parts;
  Object.assign(parts, { year: int(m[1]), month: int(m[2]), day: int(m[3]) });
  if (dataType !== "date")
    Object.assign(parts, {
      hour: int(m[4]),
      minute: int(m[5]),
      second: int(m[6]),
      millis: int(micros(m[7])),
    });
  return parts;
}

/** TIMESTAMP text (UTC, as the source session prints it) as epoch seconds and microseconds. */
export function timestampParts(text: string): { timestamp: number; millis: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text);
  if (!m || m[1] === "0000") return { timestamp: 0, millis: 0 };
  const seconds =
    Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
  return { timestamp: seconds, millis: Number((m[7] ?? "0").padEnd(6, "0").slice(0, 6)) };
}

/**
 * The `type` of a BinaryObject, BinaryGeometry or TextObject: Alibaba's subscription SDK parses it
 * into its ObjectType enum (BINARY, BOOL, BLOB, XML, JSON, TEXT, BFILE, RAW, LONG_RAW, ROWID,
 * UROWID, ENUM, SET, BYTEA, GEOMETRY, XTYPE, UUID) and fails on any other name, so a column's own
 * type name (VARBINARY, MEDIUMBLOB, POINT, INET6) is mapped onto one of those.
 */
export function objectTypeName(dataType: string): string {
  const type = dataType.toLowerCase();
  if (type === "binary" || type === "varbinary") return "BINARY";
  if (type.endsWith("blob")) return "BLOB";
  if (SPATIAL_TYPES.has(type)) return "GEOMETRY";
  if (type === "json" || type === "enum" || type === "set" || type === "uuid") return type.toUpperCase();
  return "TEXT";
}
