import avro from "avsc";
import type { CatalogColumn } from "../../model/catalog.ts";
import type { Row } from "../../model/row.ts";
import type { TableRoute } from "../../pipeline/table-route.ts";
import { AvroBytes } from "./avro-bytes.ts";
import { DTS_AVRO_SCHEMA } from "./avro-schema.ts";
import {
  dataTypeNumber,
  dateTimeParts,
  integerPrecision,
  objectTypeName,
  precisionScale,
  timestampParts,
} from "./dts-avro-types.ts";
import type { DdlEvent, MessageEncoder, RowEvent } from "./record.ts";
import { type ColumnValue, charsetBytes, columnValue, isUtf8Charset, textKind, textOf } from "./values.ts";

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

/** Branches of the image values' union, in the schema's order. */
const BRANCH = {
  null: 0,
  Integer: 1,
  Character: 2,
  Decimal: 3,
  Float: 4,
  Timestamp: 5,
  DateTime: 6,
  BinaryGeometry: 8,
  BinaryObject: 10,
  TextObject: 11,
} as const;

type ValueWriter = (out: AvroBytes, value: unknown) => void;

/**
 * Writes one column's value as its union branch, the column's constants worked out once. Integers,
 * decimals and UTF-8 text are written from the value's text straight away; other types go through
 * columnValue.
 */
function valueWriter(column: CatalogColumn): ValueWriter {
  const kind = textKind(column);
  const typed = (branch: number, tail: (out: AvroBytes, text: string) => void): ValueWriter => {
    return (out, value) => {
      const text = textOf(value);
      if (text === null) out.long(BRANCH.null);
      else tail(out.long(branch), text);
    };
  };
  if (kind === "integer") {
    const precision = integerPrecision(column);
    return typed(BRANCH.Integer, (out, text) => out.long(precision).string(text));
  }
  if (kind === "decimal") {
    const [precision, scale] = precisionScale(column.columnType) ?? [10, 0];
    return typed(BRANCH.Decimal, (out, text) => out.string(text).long(precision).long(scale));
  }
  if (kind === "text" && isUtf8Charset(column.charset)) {
    const charsetName = new AvroBytes().string(column.charset ?? "utf8mb4").take();
    return typed(BRANCH.Character, (out, text) => out.raw(charsetName).string(text));
  }
  const write = canonicalWriter(column);
  return (out, value) => write(out, columnValue(value, column));
}

/** Writes one column's canonical value (columnValue) as its union branch. */
function canonicalWriter(column: CatalogColumn): (out: AvroBytes, value: ColumnValue) => void {
  const integerPrecisionValue = integerPrecision(column);
  const [decimalPrecision, decimalScale] = precisionScale(column.columnType) ?? [10, 0];
  const [floatPrecision, floatScale] = precisionScale(column.columnType) ?? [-1, -1];
  const typeName = objectTypeName(column.dataType);
  const charset = column.charset ?? "utf8mb4";
  return (out, value) => {
    switch (value.kind) {
      case "null":
        out.long(BRANCH.null);
        return;
      case "integer":
      case "bit":
        out.long(BRANCH.Integer).long(integerPrecisionValue).string(value.text);
        return;
      case "decimal":
        out.long(BRANCH.Decimal).string(value.text).long(decimalPrecision).long(decimalScale);
        return;
      case "float":
        out.long(BRANCH.Float).double(value.value).long(floatPrecision).long(floatScale);
        return;
      case "temporal":
        if (column.dataType === "timestamp") {
          const { timestamp, millis } = timestampParts(value.text);
          out.long(BRANCH.Timestamp).long(timestamp).long(millis);
        } else {
          out.long(BRANCH.DateTime);
          for (const part of Object.values(dateTimeParts(value.text, column.dataType)))
            if (part) out.long(1).long(part.int);
            else out.long(0);
        }
        return;
      case "text":
        out.long(BRANCH.Character).string(charset).bytes(charsetBytes(value.text, column.charset));
        return;
      case "binary":
        out.long(BRANCH.BinaryObject).string(typeName).bytes(value.bytes);
        return;
      case "geometry":
        out.long(BRANCH.BinaryGeometry).string(typeName).bytes(value.wkb);
        return;
      case "object":
        out.long(BRANCH.TextObject).string(typeName).string(value.text);
        return;
    }
  };
}

/** What every message of a table repeats: its Avro bytes from objectName to fields, value writers. */
interface CompiledTable {
  /** objectName, processTimestamps (null), tags and fields, encoded. */
  header: Buffer;
  columns: { source: string; definition: CatalogColumn; write: ValueWriter }[];
}

const compiled = new WeakMap<TableRoute, CompiledTable>();

function compile(table: TableRoute): CompiledTable {
  let entry = compiled.get(table);
  if (!entry) {
    const header = new AvroBytes()
      .long(1)
      .string(objectName(table.destination.database, table.destination.table))
      .long(0)
      .raw(mapOf({ pk_uk_info: pkUkInfo(table) }))
      .long(2);
    if (table.columns.length > 0) header.long(table.columns.length);
    for (const c of table.columns) header.string(c.name).long(dataTypeNumber(c.definition.dataType));
    entry = {
      header: header.long(0).take(),
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

/** An Avro map of strings: one block, then the end. */
function mapOf(entries: Record<string, string>): Buffer {
  const out = new AvroBytes();
  const pairs = Object.entries(entries);
  if (pairs.length > 0) out.long(pairs.length);
  for (const [key, value] of pairs) out.string(key).string(value);
  return out.long(0).take();
}

/** beforeImages / afterImages: null, or the array of the row's values in the fields' order. */
function writeImages(out: AvroBytes, table: CompiledTable, row: Row | undefined): void {
  if (!row) {
    out.long(0);
    return;
  }
  out.long(2);
  if (table.columns.length > 0) out.long(table.columns.length);
  for (const c of table.columns) c.write(out, row[c.source]);
  out.long(0);
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

/** Indexes of the Operation enum's symbols the encoder writes. */
const OPERATION = { insert: 0, update: 1, delete: 2, ddl: 3, init: 16 } as const;

export interface AvroEncoderOptions {
  /** Source server version, e.g. "10.11.6-MariaDB". */
  sourceVersion: string;
}

/**
 * dts-avro: the bare Avro binary of one Record per row, written field by field in the schema's
 * order (DTS_AVRO_RECORD decodes it; a unit test checks the bytes against avsc's own encoding).
 * `fields[i]` pairs with the images' `[i]`; INSERT/INIT carry after images, DELETE before images,
 * UPDATE both full rows.
 */
export function dtsAvroEncoder(options: AvroEncoderOptions): MessageEncoder {
  const out = new AvroBytes();
  // source: sourceType MySQL (symbol 0) and the server's version.
  const source = new AvroBytes().long(0).string(options.sourceVersion).take();
  const envelope = (id: number, sourceTimestamp: number, position: string, txid: string, operation: number) =>
    out
      .restart()
      .long(1)
      .long(id)
      .long(Math.floor(sourceTimestamp / 1000))
      .string(position)
      .string(position)
      .string(txid)
      .raw(source)
      .long(operation);
  return {
    row(event: RowEvent, id: number): Buffer {
      const table = compile(event.table);
      envelope(id, event.sourceTimestamp, event.position, event.txid ?? "", OPERATION[event.op]).raw(
        table.header,
      );
      writeImages(out, table, event.op === "update" || event.op === "delete" ? event.before : undefined);
      writeImages(out, table, event.op === "delete" ? undefined : event.after);
      return out.long(event.sourceTimestamp).take();
    },
    ddl(event: DdlEvent, id: number): Buffer {
      envelope(id, event.sourceTimestamp, event.position, "", OPERATION.ddl)
        .long(1)
        .string(objectName(event.database, event.table || undefined))
        .long(0)
        .raw(mapOf({}))
        .long(0)
        .long(0)
        .long(1)
        .string(event.sql);
      return out.long(event.sourceTimestamp).take();
    },
  };
}
