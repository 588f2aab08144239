import type { RowValue } from "../model/row.ts";
import { DateTime } from "./datetime.ts";
import { Decimal } from "./decimal.ts";
import type { ColumnKind, EtlType } from "./types.ts";

/**
 * Runtime values, by static type: long = number (a safe integer) or bigint beyond 2^53;
 * decimal = Decimal; double = number; string; bool = boolean; datetime = DateTime;
 * json_array = JsonArray; opaque = the row value as it came. NULL is null everywhere.
 */
export type Value = unknown;
export type Long = number | bigint;

/** Stops evaluation of the current row with a reason; the caller turns it into an EtlRuntimeError. */
export type Fail = (reason: string) => never;

/** The constant list of op_in, keyed for the type of the value it is tested against. */
export interface JsonArray {
  readonly items: readonly unknown[];
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

export function normLong(value: bigint): Long {
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

export function addLong(a: Long, b: Long): Long {
  if (typeof a === "number" && typeof b === "number") {
    const sum = a + b;
    if (Number.isSafeInteger(sum)) return sum;
  }
  return normLong(BigInt(a) + BigInt(b));
}

export function subLong(a: Long, b: Long): Long {
  if (typeof a === "number" && typeof b === "number") {
    const diff = a - b;
    if (Number.isSafeInteger(diff)) return diff;
  }
  return normLong(BigInt(a) - BigInt(b));
}

export function mulLong(a: Long, b: Long): Long {
  if (typeof a === "number" && typeof b === "number") {
    const product = a * b;
    if (Number.isSafeInteger(product)) return product === 0 ? 0 : product;
  }
  return normLong(BigInt(a) * BigInt(b));
}

/** Remainder with the sign of the dividend (MySQL MOD, Java %); undefined for a zero divisor. */
export function modLong(a: Long, b: Long): Long | undefined {
  if (b === 0 || b === 0n) return undefined;
  if (typeof a === "number" && typeof b === "number") {
    const r = a % b;
    return r === 0 ? 0 : r;
  }
  return normLong(BigInt(a) % BigInt(b));
}

export function compareLong(a: Long, b: Long): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** '  -42 ' -> -42; undefined unless the text is an optionally signed run of ASCII digits. */
export function parseLong(text: string): Long | undefined {
  const trimmed = text.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) return undefined;
  if (trimmed.length < 16) return Number(trimmed);
  return normLong(BigInt(trimmed));
}

export function toDecimal(value: Value, type: EtlType): Decimal {
  if (type === "decimal") return value as Decimal;
  if (type === "long") return Decimal.fromLong(value as Long);
  throw new TypeError(`cannot read ${type} as decimal`);
}

export function toDouble(value: Value, type: EtlType): number {
  if (type === "double") return value as number;
  if (type === "decimal") return (value as Decimal).toNumber();
  return Number(value as Long);
}

/** How a value reads as text: str_format, op_add of strings, e_set into a text column. */
export function toText(value: Value, type: EtlType): string {
  switch (type) {
    case "string":
      return value as string;
    case "bool":
      return value ? "true" : "false";
    case "long":
    case "double":
      return String(value);
    case "decimal":
    case "datetime":
      return (value as Decimal | DateTime).toString();
    default:
      if (Buffer.isBuffer(value)) return value.toString("utf8");
      if (typeof value === "object") return JSON.stringify(value);
      return String(value);
  }
}

/** Orders two non-NULL values of the same comparable type. */
export function comparatorFor(type: "long" | "decimal" | "double" | "string" | "datetime" | "bool") {
  switch (type) {
    case "long":
      return (a: Value, b: Value) => compareLong(a as Long, b as Long);
    case "decimal":
      return (a: Value, b: Value) => (a as Decimal).compare(b as Decimal);
    case "datetime":
      return (a: Value, b: Value) => (a as DateTime).compare(b as DateTime);
    default:
      return (a: Value, b: Value) =>
        (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
}

/** The text a value is keyed by in op_in lists (so 1, 1.0 and "1" meet for a numeric value). */
export function inKey(value: Value, type: EtlType): string {
  switch (type) {
    case "long":
      return String(value);
    case "decimal":
    case "double": {
      const d = type === "double" ? Decimal.fromNumber(value as number) : (value as Decimal);
      if (!d) return String(value);
      return canonicalDecimal(d);
    }
    case "datetime":
      return canonicalDateTime(value as DateTime);
    default:
      return toText(value, type);
  }
}

function canonicalDecimal(d: Decimal): string {
  let { unscaled, scale } = d;
  while (scale > 0 && unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale--;
  }
  return new Decimal(unscaled, scale).toString();
}

function canonicalDateTime(d: DateTime): string {
  return d.withFsp(6).toString();
}

// ---------------------------------------------------------------------------------------------
// Row values in and out

/** Reads a row value of a column of `kind` into the DSL's representation. */
export function readerFor(kind: ColumnKind): (raw: RowValue | undefined, fail: Fail) => Value {
  switch (kind) {
    case "long":
      return (raw, fail) => {
        if (raw === null || raw === undefined) return null;
        if (typeof raw === "number") {
          if (Number.isSafeInteger(raw)) return raw;
          if (Number.isInteger(raw)) return BigInt(raw);
        } else if (typeof raw === "bigint") return normLong(raw);
        else if (typeof raw === "string") {
          const n = parseLong(raw);
          if (n !== undefined) return n;
        } else if (typeof raw === "boolean") return raw ? 1 : 0;
        return fail(`holds ${show(raw)}, not an integer`);
      };
    case "decimal":
      return (raw, fail) => {
        if (raw === null || raw === undefined) return null;
        const d =
          typeof raw === "string"
            ? Decimal.parse(raw)
            : typeof raw === "number"
              ? Decimal.fromNumber(raw)
              : typeof raw === "bigint"
                ? Decimal.fromLong(raw)
                : undefined;
        return d ?? fail(`holds ${show(raw)}, not a decimal number`);
      };
    case "double":
      return (raw, fail) => {
        if (raw === null || raw === undefined) return null;
        if (typeof raw === "number") return raw;
        if (typeof raw === "bigint") return Number(raw);
        if (typeof raw === "string" && raw.trim() !== "") {
          const n = Number(raw);
          if (!Number.isNaN(n)) return n;
        }
        return fail(`holds ${show(raw)}, not a number`);
      };
    case "string":
      return (raw, fail) => {
        if (raw === null || raw === undefined) return null;
        if (typeof raw === "string") return raw;
        if (Buffer.isBuffer(raw)) return raw.toString("utf8");
        if (typeof raw === "number" || typeof raw === "bigint") return String(raw);
        return fail(`holds ${show(raw)}, not text`);
      };
    case "datetime":
    case "date":
      return (raw, fail) => {
        if (raw === null || raw === undefined) return null;
        if (typeof raw === "string") {
          const d = DateTime.parse(raw);
          if (d !== undefined) return d;
        } else if (raw instanceof Date) {
          const d = DateTime.fromMs(raw.getTime(), 0, raw.getTime() % 1000 === 0 ? 0 : 3);
          if (d) return d;
        }
        return fail(`holds ${show(raw)}, not a datetime`);
      };
    case "opaque":
      return (raw) => (raw === undefined ? null : raw);
  }
}

/** Writes a DSL value of `type` for a destination column of `kind`, as the sinks expect rows. */
export function writerFor(kind: ColumnKind, type: EtlType): (value: Value, fail: Fail) => RowValue {
  if (kind === "string") return (value) => (value === null ? null : toText(value, type));
  if (kind === "datetime" || kind === "date") {
    const render = kind === "date" ? (d: DateTime) => d.toDateString() : (d: DateTime) => d.toString();
    if (type === "datetime") return (value) => (value === null ? null : render(value as DateTime));
    return (value, fail) => {
      if (value === null) return null;
      const d = DateTime.parse(value as string);
      if (d === null) return value as string;
      return d === undefined ? fail(`${show(value)} is not a datetime ('YYYY-MM-DD HH:MM:SS')`) : render(d);
    };
  }
  if (kind === "opaque") return (value) => (value === null ? null : (value as RowValue));
  if (kind === "long" && (type === "decimal" || type === "double")) {
    // An integer column holds integers: round half away from zero, as MySQL does for DECIMAL.
    const longText = (n: Long) => (typeof n === "bigint" ? n.toString() : n);
    if (type === "decimal")
      return (value) => (value === null ? null : longText(roundDecimal(value as Decimal)));
    return (value, fail) => {
      if (value === null) return null;
      const n = value as number;
      if (!Number.isFinite(n)) return fail(`cannot write ${String(n)} into an integer column`);
      const rounded = Math.sign(n) * Math.round(Math.abs(n));
      return Number.isSafeInteger(rounded) ? rounded || 0 : BigInt(rounded).toString();
    };
  }
  switch (type) {
    case "long":
      return (value) => (typeof value === "bigint" ? value.toString() : (value as number | null));
    case "decimal":
      return (value) => (value === null ? null : (value as Decimal).toString());
    case "double":
      return (value, fail) => {
        if (value === null) return null;
        if (!Number.isFinite(value)) return fail(`cannot write ${String(value)} into a numeric column`);
        return value as number;
      };
    case "bool":
      return (value) => (value === null ? null : value ? 1 : 0);
    default:
      return (value) => value as RowValue;
  }
}

/** The nearest integer, halves away from zero (2.5 -> 3, -2.5 -> -3). */
export function roundDecimal(d: Decimal): Long {
  if (d.scale === 0) return normLong(d.unscaled);
  const unit = 10n ** BigInt(d.scale);
  const negative = d.unscaled < 0n;
  const magnitude = negative ? -d.unscaled : d.unscaled;
  const rounded = (magnitude + unit / 2n) / unit;
  return normLong(negative ? -rounded : rounded);
}

/** A short rendering of a value for error messages. */
export function show(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string")
    return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value);
  if (Buffer.isBuffer(value)) return `0x${value.subarray(0, 32).toString("hex")}`;
  if (value instanceof Decimal || value instanceof DateTime) return value.toString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
