/**
 * Readers of one binlog row-image value each, chosen once per table map (see row-image.ts). Each
 * gives exactly what @vlasky/zongji gives for the same bytes under the reader's connection options
 * (dateStrings, timezone "Z", decimals and 64-bit integers beyond 2^53 as strings), so a table is
 * decoded the same whichever of the two decodes it; test/integration/row-image.test.ts compares
 * them on the source's own binlog.
 */
import iconv from "iconv-lite";
import { enumSetValues } from "./enum-values.ts";
import {
  type Cursor,
  dateReader,
  datetimeReader,
  decimalReader,
  timeReader,
  timestampReader,
  type ValueReader,
} from "./row-digits.ts";

export type { Cursor, ValueReader };

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

/** Values of an ENUM or SET definition's list split on commas: the last resort when enumSetValues cannot read it. */
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

function enumSetReader(column: ColumnDescription): ValueReader {
  const size = column.metadata?.size ?? 1;
  const def = column.schema.COLUMN_TYPE ?? "";
  if (column.type === T.ENUM) {
    const choices = column.schema.ENUM_VALUES ?? enumSetValues(def) ?? definitionValues(def, 5);
    return (c) => {
      const raw = c.buf.readUIntLE(c.pos, size);
      c.pos += size;
      return choices[raw - 1] as string;
    };
  }
  const choices = column.schema.SET_VALUES ?? enumSetValues(def) ?? definitionValues(def, 4);
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
      return dateReader;
    case T.DATETIME2:
      return datetimeReader(meta.decimals ?? 0);
    case T.TIMESTAMP2:
      return timestampReader(meta.decimals ?? 0);
    case T.TIME2:
      return timeReader(meta.decimals ?? 0);
    case T.YEAR:
      // 0 is YEAR 0000, as restoreYearZero (year-zero.ts) gives it back from ZongJi's rows.
      return (c) => {
        const year = c.buf[c.pos++] as number;
        return year === 0 ? "0000" : year + 1900;
      };
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
