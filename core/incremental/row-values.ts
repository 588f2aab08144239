import iconv from "iconv-lite";
import type { RowValue } from "../model/row.ts";

/**
 * Readers of one binlog row-image value each, chosen once per table map (see row-image.ts). Each
 * gives exactly what @vlasky/zongji gives for the same bytes under the reader's connection options
 * (dateStrings, timezone "Z", decimals and 64-bit integers beyond 2^53 as strings), so a table is
 * decoded the same whichever of the two decodes it; test/integration/row-image.test.ts compares
 * them on the source's own binlog.
 */
export interface Cursor {
  buf: Buffer;
  pos: number;
}
export type ValueReader = (c: Cursor) => RowValue;

/** MySQL column type codes (include/mysql_com.h `enum_field_types`) the readers handle. */
export const T = {
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  YEAR: 13,
  VARCHAR: 15,
  BIT: 16,
  TIMESTAMP2: 17,
  DATETIME2: 18,
  TIME2: 19,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  STRING: 254,
} as const;

/** The column as @vlasky/zongji describes it in its table map. */
export interface ColumnDescription {
  type: number;
  charset: string | null | undefined;
  metadata?: Record<string, number>;
  /** INFORMATION_SCHEMA.COLUMNS-shaped: COLUMN_TYPE always, UNSIGNED/ENUM_VALUES/SET_VALUES when the binlog said. */
  schema: { COLUMN_TYPE?: string; UNSIGNED?: boolean; ENUM_VALUES?: string[]; SET_VALUES?: string[] };
}

const PAD2 = Array.from({ length: 100 }, (_, n) => (n < 10 ? `0${n}` : `${n}`));

/** Zero-padded to `size` digits, keeping the last `size` when longer (the decoder's historical rule). */
function pad(n: number, size: number): string {
  if (size === 2 && n >= 0 && n < 100) return PAD2[n] as string;
  const s = `00000000000000000000000000000000${n}`;
  return s.slice(s.length - size);
}

function readInt24BE(buf: Buffer, at: number): number {
  return (buf.readInt8(at) << 16) + buf.readUInt16BE(at + 1);
}

function readIntBE(buf: Buffer, at: number, length: number): number {
  if (length === 1) return buf.readInt8(at);
  if (length === 2) return buf.readInt16BE(at);
  if (length === 3) return readInt24BE(buf, at);
  return buf.readInt32BE(at);
}

/** The ".ffffff" of a TIME2, DATETIME2 or TIMESTAMP2 with `precision` fractional digits ("" for none). */
function fraction(c: Cursor, precision: number): { text: string; zero: boolean } {
  if (!precision) return NO_FRACTION;
  const size = Math.ceil(precision / 2);
  let value = readIntBE(c.buf, c.pos, size);
  c.pos += size;
  if (precision % 2 !== 0) value /= 10;
  if (value < 0) value = -value;
  return { text: `.${pad(value, precision)}`, zero: value === 0 };
}
const NO_FRACTION = { text: "", zero: true };

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const bigValue = (v: bigint): number | string => (v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v.toString());

function integerReader(type: number, unsigned: boolean): ValueReader {
  switch (type) {
    case T.TINY:
      return unsigned ? (c) => c.buf[c.pos++] as number : (c) => c.buf.readInt8(c.pos++);
    case T.SHORT:
      return (c) => {
        const v = unsigned ? c.buf.readUInt16LE(c.pos) : c.buf.readInt16LE(c.pos);
        c.pos += 2;
        return v;
      };
    case T.INT24:
      return (c) => {
        const v = unsigned ? c.buf.readUIntLE(c.pos, 3) : c.buf.readIntLE(c.pos, 3);
        c.pos += 3;
        return v;
      };
    case T.LONG:
      return (c) => {
        const v = unsigned ? c.buf.readUInt32LE(c.pos) : c.buf.readInt32LE(c.pos);
        c.pos += 4;
        return v;
      };
    default:
      return (c) => {
        const low = c.buf.readUInt32LE(c.pos);
        const high = unsigned ? c.buf.readUInt32LE(c.pos + 4) : c.buf.readInt32LE(c.pos + 4);
        const at = c.pos;
        c.pos += 8;
        // Within ±(2^53 - 2^32): exact as a Number; beyond, as BigInt (a string past 2^53 - 1).
        if (high > -0x200000 && high < 0x200000) return high * 0x100000000 + low;
        return bigValue(unsigned ? c.buf.readBigUInt64LE(at) : c.buf.readBigInt64LE(at));
      };
  }
}

const DECIMAL_BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];
const scratch = Buffer.alloc(64);

/** DECIMAL(precision, scale) as its exact text (the binary layout of sql/decimal.c `decimal2bin`). */
function decimalReader(precision: number, scale: number): ValueReader {
  const integral = precision - scale;
  const fullIntegral = Math.floor(integral / 9);
  const fullFraction = Math.floor(scale / 9);
  const leadDigits = integral - fullIntegral * 9;
  const tailDigits = scale - fullFraction * 9;
  const leadSize = DECIMAL_BYTES[leadDigits] as number;
  const tailSize = DECIMAL_BYTES[tailDigits] as number;
  const size = leadSize + fullIntegral * 4 + fullFraction * 4 + tailSize;
  return (c) => {
    const buf = scratch;
    c.buf.copy(buf, 0, c.pos, c.pos + size);
    c.pos += size;
    const positive = (buf[0] as number) & 0x80;
    buf[0] = (buf[0] as number) ^ 0x80;
    const mask = positive ? 0 : -1;
    let at = 0;
    let digits = "";
    if (leadSize > 0) {
      digits += (readIntBE(buf, 0, leadSize) ^ mask).toString();
      at = leadSize;
    }
    for (let i = 0; i < fullIntegral; i++, at += 4) digits += pad(buf.readInt32BE(at) ^ mask, 9);
    let first = 0;
    while (first < digits.length - 1 && digits.charCodeAt(first) === 48) first++;
    let text = (positive ? "" : "-") + (digits === "" ? "0" : first ? digits.slice(first) : digits);
    if (scale > 0) {
      text += ".";
      for (let i = 0; i < fullFraction; i++, at += 4) text += pad(buf.readInt32BE(at) ^ mask, 9);
      if (tailSize > 0) text += pad(readIntBE(buf, at, tailSize) ^ mask, tailDigits);
    }
    return text;
  };
}

const UTF8 = new Set(["utf8", "utf8mb3", "utf8mb4"]);
/** MySQL charset names iconv-lite spells otherwise (MySQL's latin1 is cp1252; UCS-2 and UTF-16/32 are big-endian). */
const ICONV_NAMES: Record<string, string> = {
  latin1: "cp1252",
  ucs2: "utf16-be",
  utf16: "utf16-be",
  utf16le: "utf16-le",
  utf32: "utf32-be",
  ujis: "eucjp",
  eucjpms: "eucjp",
  macce: "maccenteuro",
};

/** Bytes to text in a column's charset, or undefined when it has no decoder here (the table is left to ZongJi). */
function textDecoder(
  charset: string | null | undefined,
): ((b: Buffer, from: number, to: number) => string) | undefined {
  if (!charset || UTF8.has(charset)) return (b, from, to) => b.toString("utf8", from, to);
  const name = ICONV_NAMES[charset] ?? charset;
  if (!iconv.encodingExists(name)) return undefined;
  return (b, from, to) => iconv.decode(b.subarray(from, to), name, { stripBOM: false });
}

/** Values of an ENUM or SET definition's list, split as the table map's INFORMATION_SCHEMA text gives it. */
function definitionValues(type: string, prefix: number): string[] {
  return type
    .slice(prefix, type.length - 1)
    .split(",")
    .map((v) => (v[0] === '"' || v[0] === "'" ? v.slice(1, v.length - 1) : v));
}

function stringReader(column: ColumnDescription): ValueReader | undefined {
  const lengthSize = (column.metadata?.max_length ?? 0) > 255 ? 2 : 1;
  const length = (c: Cursor): number => {
    const n = lengthSize === 1 ? (c.buf[c.pos] as number) : c.buf.readUInt16LE(c.pos);
    c.pos += lengthSize;
    return n;
  };
  const def = column.schema.COLUMN_TYPE ?? "";
  if (def === "uuid" || def === "inet4" || def === "inet6" || def.startsWith("vector")) return undefined;
  if (def.startsWith("binary")) {
    const width = Number.parseInt(def.slice(7), 10);
    return (c) => {
      const n = length(c);
      const value = Buffer.alloc(width, 0);
      c.buf.copy(value, 0, c.pos, c.pos + n);
      c.pos += n;
      return value;
    };
  }
  if (def.startsWith("varbin"))
    return (c) => {
      const n = length(c);
      c.pos += n;
      return c.buf.subarray(c.pos - n, c.pos);
    };
  const decode = textDecoder(column.charset);
  if (!decode) return undefined;
  return (c) => {
    const n = length(c);
    c.pos += n;
    return decode(c.buf, c.pos - n, c.pos);
  };
}

function blobReader(column: ColumnDescription): ValueReader | undefined {
  const lengthSize = column.metadata?.length_size ?? 0;
  if (lengthSize < 1 || lengthSize > 4) return undefined;
  const decode = column.charset === null ? undefined : textDecoder(column.charset);
  if (column.charset !== null && !decode) return undefined;
  return (c) => {
    const n = c.buf.readUIntLE(c.pos, lengthSize);
    c.pos += lengthSize + n;
    return decode ? decode(c.buf, c.pos - n, c.pos) : c.buf.subarray(c.pos - n, c.pos);
  };
}

function temporalReader(type: number, precision: number): ValueReader {
  if (type === T.DATE)
    return (c) => {
      const raw = c.buf.readUIntLE(c.pos, 3);
      c.pos += 3;
      return `${pad(raw >> 9, 4)}-${pad((raw >> 5) & 15, 2)}-${pad(raw & 31, 2)}`;
    };
  if (type === T.DATETIME2)
    return (c) => {
      const high = c.buf.readInt32BE(c.pos);
      const low = c.buf.readInt32BE(c.pos + 1);
      c.pos += 5;
      const yearMonth = (high & 0x7fffc000) >> 14;
      const clock = `${pad((low >> 12) & 31, 2)}:${pad((low >> 6) & 63, 2)}:${pad(low & 63, 2)}`;
      const day = `${pad(Math.floor(yearMonth / 13), 4)}-${pad(yearMonth % 13, 2)}-${pad((low >> 17) & 31, 2)}`;
      return `${day} ${clock}${fraction(c, precision).text}`;
    };
  if (type === T.TIMESTAMP2)
    return (c) => {
      const seconds = c.buf.readInt32BE(c.pos);
      c.pos += 4;
      const part = fraction(c, precision);
      if (seconds === 0 && part.zero) return `0000-00-00 00:00:00${part.text}`;
      const d = new Date(seconds * 1000);
      const day = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
      return `${day} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}${part.text}`;
    };
  // TIME2
  return (c) => {
    let raw = readInt24BE(c.buf, c.pos);
    c.pos += 3;
    const part = fraction(c, precision);
    const negative = (raw & 0x800000) === 0;
    if (negative) raw ^= 0xffffff;
    const hour = (raw & 0x3ff000) >> 12;
    let second = raw & 63;
    if (negative && part.zero) second++;
    return `${negative ? "-" : ""}${pad(hour, hour > 99 ? 3 : 2)}:${pad((raw >> 6) & 63, 2)}:${pad(second, 2)}${part.text}`;
  };
}

function enumSetReader(column: ColumnDescription): ValueReader {
  const size = column.metadata?.size ?? 1;
  const def = column.schema.COLUMN_TYPE ?? "";
  if (column.type === T.ENUM) {
    const choices = column.schema.ENUM_VALUES ?? definitionValues(def, 5);
    return (c) => {
      const raw = c.buf.readUIntLE(c.pos, size);
      c.pos += size;
      return choices[raw - 1] as string;
    };
  }
  const choices = column.schema.SET_VALUES ?? definitionValues(def, 4);
  return (c) => {
    const low = c.buf.readUIntLE(c.pos, Math.min(size, 4));
    const high = size === 8 ? c.buf.readUInt32LE(c.pos + 4) : 0;
    c.pos += size;
    let text = "";
    for (let i = 0; low >= 2 ** i; i++) if (low & (2 ** i)) text += `${choices[i]},`;
    for (let i = 0; high >= 2 ** i; i++) if (high & (2 ** i)) text += `${choices[i + 32]},`;
    return text.slice(0, -1);
  };
}

/**
 * The reader of one column's values, or undefined for a type left to ZongJi (JSON in MySQL's binary
 * form, spatial, the pre-5.6 temporal forms, MariaDB's COMPRESSED columns, UUID/INET/VECTOR,
 * charsets without a decoder).
 */
export function valueReader(column: ColumnDescription): ValueReader | undefined {
  const { type } = column;
  const meta = column.metadata ?? {};
  switch (type) {
    case T.TINY:
    case T.SHORT:
    case T.INT24:
    case T.LONG:
    case T.LONGLONG: {
      const unsigned = column.schema.UNSIGNED ?? (column.schema.COLUMN_TYPE ?? "").includes("unsigned");
      return integerReader(type, unsigned);
    }
    case T.FLOAT:
      return (c) => {
        c.pos += 4;
        return c.buf.readFloatLE(c.pos - 4);
      };
    case T.DOUBLE:
      return (c) => {
        c.pos += 8;
        return c.buf.readDoubleLE(c.pos - 8);
      };
    case T.NEWDECIMAL:
      return meta.precision === undefined ? undefined : decimalReader(meta.precision, meta.decimals ?? 0);
    case T.VARCHAR:
    case T.STRING:
      return stringReader(column);
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
    case T.BLOB:
      return blobReader(column);
    case T.DATE:
    case T.DATETIME2:
    case T.TIMESTAMP2:
    case T.TIME2:
      return temporalReader(type, meta.decimals ?? 0);
    case T.YEAR:
      return (c) => (c.buf[c.pos++] as number) + 1900;
    case T.ENUM:
    case T.SET:
      return enumSetReader(column);
    case T.BIT: {
      const size = Math.floor(((meta.bits ?? 0) + 7) / 8);
      return (c) => {
        c.pos += size;
        return c.buf.subarray(c.pos - size, c.pos);
      };
    }
    default:
      return undefined;
  }
}
