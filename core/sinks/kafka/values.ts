import iconv from "iconv-lite";
import type { CatalogColumn } from "../../model/catalog.ts";
import { SPATIAL_TYPES } from "../../model/data-types.ts";

/**
 * One column value as the Kafka formats need it, whichever way it was read: from the binlog
 * (zongji with dateStrings, bigNumberStrings, jsonStrings) or from a full-load SELECT (text
 * protocol, see snapshot-reader.ts). Numbers keep their exact decimal text; text is a JS string;
 * binary and geometry stay bytes.
 */
export type ColumnValue =
  | { kind: "null" }
  | { kind: "integer"; text: string }
  | { kind: "decimal"; text: string }
  | { kind: "float"; value: number; text: string; float32: boolean }
  | { kind: "temporal"; text: string }
  | { kind: "text"; text: string }
  | { kind: "binary"; bytes: Buffer }
  | { kind: "bit"; text: string }
  | { kind: "object"; text: string }
  | { kind: "geometry"; wkb: Buffer };

const INTEGER = new Set(["tinyint", "smallint", "mediumint", "int", "integer", "bigint"]);
const DECIMAL = new Set(["decimal", "numeric"]);
const TEMPORAL = new Set(["date", "datetime", "timestamp", "time", "year"]);
const TEXT = new Set(["char", "varchar", "tinytext", "text", "mediumtext", "longtext"]);
const BINARY = new Set(["binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"]);

/** Shortest decimal text that reads back as the same 32-bit float (FLOAT columns). */
export function float32Text(value: number): string {
  const target = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const text = target.toPrecision(digits);
    if (Math.fround(Number(text)) === target) return normalizeNumber(Number(text));
  }
  return normalizeNumber(target);
}

/** JS shortest round-trip text, written as MySQL does (1e308, not 1e+308). */
export function normalizeNumber(value: number): string {
  if (Object.is(value, -0)) return "-0";
  return String(value).replace("e+", "e");
}

function asText(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean")
    return String(value);
  return JSON.stringify(value);
}

/** BIT arrives as big-endian bytes (binlog and text protocol alike). */
function bitText(value: unknown): string {
  if (Buffer.isBuffer(value))
    return value.length === 0 ? "0" : BigInt(`0x${value.toString("hex")}`).toString();
  return asText(value);
}

/** The server's geometry bytes are a 4-byte SRID followed by WKB; consumers get the WKB. */
function wkbOf(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value.length > 4 ? value.subarray(4) : value;
  return encodeDecodedGeometry(value);
}

/**
 * zongji decodes GEOMETRY in row images into coordinates; the tailer reads after images again
 * from the source as bytes (spatial.ts), but a before image is gone from the source. Its WKB is
 * rebuilt from the coordinates: points, line strings and polygons exactly (SRID is not kept).
 */
export function encodeDecodedGeometry(value: unknown): Buffer {
  const parts: Buffer[] = [];
  const header = (type: number) => {
    const b = Buffer.alloc(5);
    b.writeUInt8(1, 0);
    b.writeUInt32LE(type, 1);
    parts.push(b);
  };
  const count = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n, 0);
    parts.push(b);
  };
  const point = (p: { x: number; y: number }) => {
    const b = Buffer.alloc(16);
    b.writeDoubleLE(p.x, 0);
    b.writeDoubleLE(p.y, 8);
    parts.push(b);
  };
  const isPoint = (v: unknown): v is { x: number; y: number } =>
    typeof v === "object" && v !== null && !Array.isArray(v) && "x" in v;
  const write = (v: unknown) => {
    if (isPoint(v)) {
      header(1);
      point(v);
    } else if (Array.isArray(v) && v.every(isPoint)) {
      header(2);
      count(v.length);
      v.forEach(point);
    } else if (Array.isArray(v) && v.every((ring) => Array.isArray(ring) && ring.every(isPoint))) {
      header(3);
      count(v.length);
      for (const ring of v as { x: number; y: number }[][]) {
        count(ring.length);
        ring.forEach(point);
      }
    } else if (Array.isArray(v)) {
      header(7);
      count(v.length);
      v.forEach(write);
    }
  };
  write(value);
  return Buffer.concat(parts);
}

/** Canonical value of one column. */
export function columnValue(value: unknown, column: CatalogColumn): ColumnValue {
  if (value === null || value === undefined) return { kind: "null" };
  const type = column.dataType;
  if (INTEGER.has(type)) return { kind: "integer", text: asText(value) };
  if (DECIMAL.has(type)) return { kind: "decimal", text: asText(value) };
  if (type === "float" || type === "double" || type === "real") {
    const number = typeof value === "number" ? value : Number(asText(value));
    const text = type === "float" ? float32Text(number) : normalizeNumber(number);
    return {
      kind: "float",
      value: type === "float" ? Math.fround(number) : number,
      text,
      float32: type === "float",
    };
  }
  if (TEMPORAL.has(type)) return { kind: "temporal", text: asText(value) };
  if (TEXT.has(type)) return { kind: "text", text: asText(value) };
  if (BINARY.has(type))
    return { kind: "binary", bytes: Buffer.isBuffer(value) ? value : Buffer.from(asText(value)) };
  if (type === "bit") return { kind: "bit", text: bitText(value) };
  if (SPATIAL_TYPES.has(type)) return { kind: "geometry", wkb: wkbOf(value) };
  // json, enum, set, and types with a text form (inet6, uuid).
  return { kind: "object", text: asText(value) };
}

/** True for the character sets whose bytes are the text's UTF-8 (no charset: utf8mb4). */
export function isUtf8Charset(charset: string | undefined): boolean {
  const name = (charset ?? "utf8mb4").toLowerCase();
  return name === "utf8mb4" || name === "utf8" || name === "utf8mb3";
}

/** The column's bytes in its own character set (Avro Character). */
export function charsetBytes(text: string, charset: string | undefined): Buffer {
  const name = (charset ?? "utf8mb4").toLowerCase();
  if (isUtf8Charset(name)) return Buffer.from(text, "utf8");
  if (name === "latin1") return iconv.encode(text, "cp1252");
  if (name === "binary") return Buffer.from(text, "latin1");
  return iconv.encodingExists(name) ? iconv.encode(text, name) : Buffer.from(text, "utf8");
}

/**
 * A DOUBLE as Java's Double.toString writes it, a FLOAT as Float.toString (Canal and its consumers
 * are Java): "4.0", "-1.0E10", "1.0E-4", "1.7976931348623157E308", "-0.0". The digits are the
 * shortest that read back as the same value, at least two (4.9E-324, the closest two).
 */
export function javaFloatText(value: number, float32: boolean): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const exact = float32 ? Math.fround(value) : value;
  const shortest = float32 ? Number(float32Text(exact)) : exact;
  let [mantissa = "0", exponentText = "0"] = Math.abs(shortest).toExponential().split("e");
  if (!mantissa.includes("."))
    [mantissa = "0", exponentText = "0"] = Math.abs(exact).toExponential(1).split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(exponentText);
  const sign = value < 0 ? "-" : "";
  const magnitude = Math.abs(exact);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits.replace(/0+$/, "")}`;
    const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
    return `${sign}${whole}.${digits.slice(exponent + 1).replace(/0+$/, "") || "0"}`;
  }
  return `${sign}${digits[0]}.${digits.slice(1).replace(/0+$/, "") || "0"}E${exponent}`;
}

/**
 * The kind of a column whose values are kept as their text (numbers as the server wrote them,
 * temporal values, text): columnValue's `{ kind, text }` with text `textOf(value)`. Undefined for
 * the other types.
 */
export function textKind(column: CatalogColumn): "integer" | "decimal" | "temporal" | "text" | undefined {
  const type = column.dataType;
  if (INTEGER.has(type)) return "integer";
  if (DECIMAL.has(type)) return "decimal";
  if (TEMPORAL.has(type)) return "temporal";
  if (TEXT.has(type)) return "text";
  return undefined;
}

/** The text of a value of a textKind column; null for SQL NULL. */
export const textOf = (value: unknown): string | null =>
  typeof value === "string" ? value : value == null ? null : asText(value);

/** A column's values as canal-json writes them (see canalTextOf). */
export type CanalText = (value: unknown) => string | null;

/**
 * `canalText(columnValue(value, column))`, chosen once per column: the types whose text is the
 * value as read (numbers, temporal values, text) skip the per-value type dispatch.
 */
export function canalTextOf(column: CatalogColumn): CanalText {
  if (textKind(column)) return textOf;
  const type = column.dataType;
  if (BINARY.has(type))
    return (value) =>
      value == null ? null : (Buffer.isBuffer(value) ? value : Buffer.from(asText(value))).toString("latin1");
  return (value) => canalText(columnValue(value, column));
}

/** The value as canal-json writes it: a string (binary as ISO-8859-1, one code point per byte). */
export function canalText(value: ColumnValue): string | null {
  switch (value.kind) {
    case "null":
      return null;
    case "float":
      return javaFloatText(value.value, value.float32);
    case "binary":
      return value.bytes.toString("latin1");
    case "geometry":
      return value.wkb.toString("latin1");
    default:
      return value.text;
  }
}
