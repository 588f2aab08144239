import avro from "avsc";
import type { CatalogColumn } from "../../model/catalog.ts";
import { SPATIAL_TYPES } from "../../model/data-types.ts";
import type { Row } from "../../model/row.ts";
import type { TableRoute } from "../../pipeline/table-route.ts";
import { DTS_AVRO_SCHEMA } from "./avro-schema.ts";
import type { DdlEvent, MessageEncoder, RowEvent } from "./record.ts";
import { type ColumnValue, charsetBytes, columnValue } from "./values.ts";

const NS = "com.alibaba.dts.formats.avro";

function recordType(): avro.Type {
  const registry: Record<string, avro.Type> = {};
  for (const schema of DTS_AVRO_SCHEMA)
    avro.Type.forSchema(schema as unknown as avro.Schema, { registry, wrapUnions: true });
  const type = registry[`${NS}.Record`];
  if (!type) throw new Error("the dts-avro schema defines no Record");
  return type;
}

export const DTS_AVRO_RECORD = recordType();

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

function precisionScale(columnType: string): [number, number] | undefined {
  const m = /\((\d+)(?:,(\d+))?\)/.exec(columnType);
  return m ? [Number(m[1]), Number(m[2] ?? 0)] : undefined;
}

function integerPrecision(column: CatalogColumn): number {
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

const NAMES = {
  Integer: `${NS}.Integer`,
  Decimal: `${NS}.Decimal`,
  Float: `${NS}.Float`,
  Timestamp: `${NS}.Timestamp`,
  DateTime: `${NS}.DateTime`,
  Character: `${NS}.Character`,
  BinaryObject: `${NS}.BinaryObject`,
  BinaryGeometry: `${NS}.BinaryGeometry`,
  TextObject: `${NS}.TextObject`,
} as const;

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

/** The Avro value of one column, its constants worked out once per table. */
function valueWriter(column: CatalogColumn): (value: ColumnValue) => unknown {
  const integerPrecisionValue = integerPrecision(column);
  const [decimalPrecision, decimalScale] = precisionScale(column.columnType) ?? [10, 0];
  const [floatPrecision, floatScale] = precisionScale(column.columnType) ?? [-1, -1];
  const typeName = objectTypeName(column.dataType);
  const charset = column.charset ?? "utf8mb4";
  return (value) => {
    switch (value.kind) {
      case "null":
        return null;
      case "integer":
      case "bit":
        return { [NAMES.Integer]: { precision: integerPrecisionValue, value: value.text } };
      case "decimal":
        return { [NAMES.Decimal]: { value: value.text, precision: decimalPrecision, scale: decimalScale } };
      case "float":
        return { [NAMES.Float]: { value: value.value, precision: floatPrecision, scale: floatScale } };
      case "temporal":
        return column.dataType === "timestamp"
          ? { [NAMES.Timestamp]: timestampParts(value.text) }
          : { [NAMES.DateTime]: dateTimeParts(value.text, column.dataType) };
      case "text":
        return { [NAMES.Character]: { charset, value: charsetBytes(value.text, column.charset) } };
      case "binary":
        return { [NAMES.BinaryObject]: { type: typeName, value: value.bytes } };
      case "geometry":
        return { [NAMES.BinaryGeometry]: { type: typeName, value: value.wkb } };
      case "object":
        return { [NAMES.TextObject]: { type: typeName, value: value.text } };
    }
  };
}

/** What every message of a table repeats: names, fields, key tags, value writers. */
interface CompiledTable {
  objectName: { string: string };
  tags: Record<string, string>;
  fields: { array: { name: string; dataTypeNumber: number }[] };
  columns: { source: string; definition: CatalogColumn; write: (value: ColumnValue) => unknown }[];
}

const compiled = new WeakMap<TableRoute, CompiledTable>();

function compile(table: TableRoute): CompiledTable {
  let entry = compiled.get(table);
  if (!entry) {
    entry = {
      objectName: { string: objectName(table.destination.database, table.destination.table) },
      tags: { pk_uk_info: pkUkInfo(table) },
      fields: {
        array: table.columns.map((c) => ({
          name: c.name,
          dataTypeNumber: dataTypeNumber(c.definition.dataType),
        })),
      },
      columns: table.columns.map((c) => ({
        source: c.source,
        definition: c.definition,
        write: valueWriter(c.definition),
      })),
    };
    compiled.set(table, entry);
  }
  return entry;
}

function images(table: CompiledTable, row: Row | undefined): unknown {
  if (!row) return null;
  const values = new Array(table.columns.length);
  for (let i = 0; i < table.columns.length; i++) {
    const c = table.columns[i] as CompiledTable["columns"][number];
    values[i] = c.write(columnValue(row[c.source], c.definition));
  }
  return { array: values };
}

/** `db.table`, a literal '.' inside a name written as the six characters \u002E. */
export function objectName(database: string, table?: string): string {
  const dotted = (name: string) => name.replaceAll(".", "\\u002E");
  return table ? `${dotted(database)}.${dotted(table)}` : dotted(database);
}

function pkUkInfo(table: TableRoute): string {
  const keys: Record<string, string[]> = {};
  for (const key of table.uniqueKeys) keys[key.name] = key.columns;
  return JSON.stringify(keys);
}

const OPERATION = { init: "INIT", insert: "INSERT", update: "UPDATE", delete: "DELETE" } as const;

export interface AvroEncoderOptions {
  /** Source server version, e.g. "10.11.6-MariaDB". */
  sourceVersion: string;
}

function envelope(id: bigint, sourceTimestamp: number, position: string, txid: string, version: string) {
  return {
    version: 1,
    id: Number(id),
    sourceTimestamp: Math.floor(sourceTimestamp / 1000),
    sourcePosition: position,
    safeSourcePosition: position,
    sourceTxid: txid,
    source: { sourceType: "MySQL", version },
    processTimestamps: null,
    bornTimestamp: sourceTimestamp,
  };
}

/**
 * dts-avro: the bare Avro binary of one Record per row. `fields[i]` pairs with the images'
 * `[i]`; INSERT/INIT carry after images, DELETE before images, UPDATE both full rows.
 */
export function dtsAvroEncoder(options: AvroEncoderOptions): MessageEncoder {
  return {
    row(event: RowEvent, id: bigint): Buffer {
      const table = compile(event.table);
      return DTS_AVRO_RECORD.toBuffer({
        ...envelope(id, event.sourceTimestamp, event.position, event.txid ?? "", options.sourceVersion),
        operation: OPERATION[event.op],
        objectName: table.objectName,
        tags: table.tags,
        fields: table.fields,
        beforeImages: event.op === "update" || event.op === "delete" ? images(table, event.before) : null,
        afterImages: event.op === "delete" ? null : images(table, event.after),
      });
    },
    ddl(event: DdlEvent, id: bigint): Buffer {
      return DTS_AVRO_RECORD.toBuffer({
        ...envelope(id, event.sourceTimestamp, event.position, "", options.sourceVersion),
        operation: "DDL",
        objectName: { string: objectName(event.database, event.table || undefined) },
        tags: {},
        fields: null,
        beforeImages: null,
        afterImages: { string: event.sql },
      });
    },
  };
}
