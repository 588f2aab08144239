import avro from "avsc";
import type { CatalogColumn } from "../../source/catalog.ts";
import type { Row } from "../../stream/events.ts";
import { DTS_AVRO_SCHEMA } from "./avro-schema.ts";
import type { DdlEvent, KafkaTable, MessageEncoder, RowEvent } from "./record.ts";
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

function avroValue(value: ColumnValue, column: CatalogColumn): unknown {
  const wrap = (name: string, body: unknown) => ({ [`${NS}.${name}`]: body });
  switch (value.kind) {
    case "null":
      return null;
    case "integer":
    case "bit":
      return wrap("Integer", { precision: integerPrecision(column), value: value.text });
    case "decimal": {
      const [precision, scale] = precisionScale(column.columnType) ?? [10, 0];
      return wrap("Decimal", { value: value.text, precision, scale });
    }
    case "float": {
      const [precision, scale] = precisionScale(column.columnType) ?? [-1, -1];
      return wrap("Float", { value: value.value, precision, scale });
    }
    case "temporal":
      return column.dataType === "timestamp"
        ? wrap("Timestamp", timestampParts(value.text))
        : wrap("DateTime", dateTimeParts(value.text, column.dataType));
    case "text":
      return wrap("Character", {
        charset: column.charset ?? "utf8mb4",
        value: charsetBytes(value.text, column.charset),
      });
    case "binary":
      return wrap("BinaryObject", { type: column.dataType.toUpperCase(), value: value.bytes });
    case "geometry":
      return wrap("BinaryGeometry", { type: column.dataType.toUpperCase(), value: value.wkb });
    case "object":
      return wrap("TextObject", { type: column.dataType.toUpperCase(), value: value.text });
  }
}

function images(table: KafkaTable, row: Row | undefined): unknown {
  if (!row) return null;
  return {
    array: table.columns.map((c) => avroValue(columnValue(row[c.source], c.definition), c.definition)),
  };
}

/** `db.table`, a literal '.' inside a name written as the six characters \u002E. */
export function objectName(database: string, table?: string): string {
  const dotted = (name: string) => name.replaceAll(".", "\\u002E");
  return table ? `${dotted(database)}.${dotted(table)}` : dotted(database);
}

function pkUkInfo(table: KafkaTable): string {
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
      const { table } = event;
      return DTS_AVRO_RECORD.toBuffer({
        ...envelope(id, event.sourceTimestamp, event.position, event.txid ?? "", options.sourceVersion),
        operation: OPERATION[event.op],
        objectName: { string: objectName(table.database, table.table) },
        tags: { pk_uk_info: pkUkInfo(table) },
        fields: {
          array: table.columns.map((c) => ({
            name: c.name,
            dataTypeNumber: dataTypeNumber(c.definition.dataType),
          })),
        },
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
