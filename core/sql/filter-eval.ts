import { type Collation, collationNamed, compareText, GENERAL_CI } from "./collation.ts";
import type { FilterExpr, Operand, Predicate, ValueType } from "./filter-ast.ts";
import { operandsOf } from "./filter-check.ts";
import { likeMatches } from "./like.ts";

/**
 * Evaluates a parsed WHERE filter against one row change's image, so incremental migration keeps
 * exactly the rows the full load selected. MySQL semantics (checked against the server by
 * test/integration/filter-agreement.test.ts):
 * - NULL makes a comparison unknown; a row matches only when the condition is true.
 * - Two strings compare by the collation of the text column(s) of the condition (collation.ts):
 *   utf8mb4_general_ci when not known (case and accents folded, PAD SPACE: 'a' = 'a  '), the code
 *   points under utf8mb4_bin, with or without padding, latin1's tables... Binary strings compare
 *   byte by byte.
 * - Integers and decimals compare exactly; any other mix of numbers and strings compares as
 *   doubles, a string read as MySQL does (' 12abc' is 12, 'abc' is 0, '1e1' is 10).
 * - A date column compares with a date literal as a date ('2024-01-01' = '2024-01-01 00:00:00').
 * - IN compares its operand with each item as `=` does; BETWEEN picks one comparison for its
 *   three operands (so 'xyz' BETWEEN 'z' AND 5 compares as doubles, and is true).
 * Columns compare by their type when the filter was parsed with data types, else by each value's
 * JS type (a DECIMAL arrives as a string, so it then compares as a string).
 */
export function matchesFilter(expr: FilterExpr, row: Record<string, unknown>): boolean {
  return evaluate(expr, row) === true;
}

type Value =
  | { t: "null" }
  | { t: "exact" | "string" | "temporal"; v: string }
  | { t: "double"; v: number }
  | { t: "binary"; v: Buffer };
type Kind = Value["t"];
type Mode = Exclude<Kind, "null">;
const NULL: Value = { t: "null" };
const EXACT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

function fromRow(raw: unknown, declared: ValueType | undefined): Value {
  const type = declared === "other" ? undefined : declared;
  if (raw === null || raw === undefined) return NULL;
  if (Buffer.isBuffer(raw)) return { t: "binary", v: raw };
  if (typeof raw === "boolean") return { t: "exact", v: raw ? "1" : "0" };
  if (typeof raw === "number" && (type === undefined || type === "exact" || type === "double")) {
    return Number.isSafeInteger(raw) && type !== "double"
      ? { t: "exact", v: String(raw) }
      : { t: "double", v: raw };
  }
  const text = typeof raw === "object" ? JSON.stringify(raw) : String(raw);
  if (type === "exact" || (type === undefined && typeof raw === "bigint")) {
    return EXACT.test(text) ? { t: "exact", v: text } : { t: "double", v: Number(text) };
  }
  if (type === "double") return { t: "double", v: Number(text) };
  if (type === "binary") return { t: "binary", v: Buffer.from(text, "utf8") };
  return { t: type === "temporal" ? "temporal" : "string", v: text };
}

function operandValue(o: Operand, row: Record<string, unknown>): Value {
  switch (o.kind) {
    case "column":
      return fromRow(row[o.name], o.type);
    case "string":
      return { t: "string", v: o.value };
    case "number":
      return /e/i.test(o.text) ? { t: "double", v: Number(o.text) } : { t: "exact", v: o.text };
    case "bool":
      return { t: "exact", v: o.value ? "1" : "0" };
    case "null":
      return NULL;
  }
}

/** The type an operand brings to a comparison: its value's, or its column's when the value is NULL. */
function kindOf(o: Operand, value: Value): Kind {
  return value.t === "null" && o.kind === "column" && o.type && o.type !== "other" ? o.type : value.t;
}

/** The comparison MySQL picks for these operand types. */
function modeOf(kinds: Kind[]): Mode {
  const present = kinds.filter((k) => k !== "null");
  const only = (...allowed: Kind[]) => present.every((k) => allowed.includes(k));
  if (only("string")) return "string";
  if (only("string", "binary")) return "binary";
  if (only("exact")) return "exact";
  if (only("string", "temporal")) return "temporal";
  return "double";
}

/** MySQL's reading of a string as a number: leading spaces, then the longest numeric prefix, else 0. */
export function stringToDouble(text: string): number {
  const match = /^[ \t\n\r\f\v]*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)/i.exec(text);
  return match ? Number(match[1]) : 0;
}

function toDouble(v: Exclude<Value, { t: "null" }>): number {
  if (v.t === "double") return v.v;
  if (v.t === "exact") return Number(v.v);
  return stringToDouble(v.t === "binary" ? v.v.toString("latin1") : v.v);
}

function bytes(v: Exclude<Value, { t: "null" }>): Buffer {
  return v.t === "binary" ? v.v : Buffer.from(String(v.v), "utf8");
}

/** Exact comparison of two decimal texts (no float rounding: 0.1 = 0.10, big integers stay exact). */
function compareExact(a: string, b: string): number {
  const parts = (text: string) => {
    const negative = text.startsWith("-");
    const body = /^[+-]/.test(text) ? text.slice(1) : text;
    const dot = body.indexOf(".");
    let int = dot < 0 ? body : body.slice(0, dot);
    let frac = dot < 0 ? "" : body.slice(dot + 1);
    let start = 0;
    while (int[start] === "0") start++;
    int = int.slice(start);
    let end = frac.length;
    while (end > 0 && frac[end - 1] === "0") end--;
    frac = frac.slice(0, end);
    return { negative: negative && (int !== "" || frac !== ""), int, frac };
  };
  const x = parts(a);
  const y = parts(b);
  if (x.negative !== y.negative) return x.negative ? -1 : 1;
  const sign = x.negative ? -1 : 1;
  if (x.int.length !== y.int.length) return x.int.length < y.int.length ? -sign : sign;
  if (x.int !== y.int) return x.int < y.int ? -sign : sign;
  return x.frac === y.frac ? 0 : x.frac < y.frac ? -sign : sign;
}

/** 'YYYY-MM-DD[ hh:mm:ss[.ffffff]]' as a comparable 'YYYY-MM-DD hh:mm:ss.ffffff', else undefined. */
function dateKey(text: string): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?)?$/.exec(text);
  if (!match) return undefined;
  return `${match[1]} ${match[2] ?? "00:00:00"}.${(match[3] ?? "").padEnd(6, "0")}`;
}

function compare(a: Value, b: Value, mode: Mode, collation: Collation): number | null {
  if (a.t === "null" || b.t === "null") return null;
  const sign = <T>(x: T, y: T) => (x < y ? -1 : x > y ? 1 : 0);
  switch (mode) {
    case "string":
      return compareText(String(a.v), String(b.v), collation);
    case "binary":
      return Buffer.compare(bytes(a), bytes(b));
    case "exact":
      return compareExact(String(a.v), String(b.v));
    case "temporal": {
      const x = dateKey(String(a.v));
      const y = dateKey(String(b.v));
      if (x === undefined || y === undefined) return compareText(String(a.v), String(b.v), collation);
      return sign(x, y);
    }
    case "double":
      return sign(toDouble(a), toDouble(b));
  }
}

function likeText(v: Exclude<Value, { t: "null" }>, binary: boolean): string {
  if (binary) return bytes(v).toString("latin1");
  return v.t === "binary" ? v.v.toString("latin1") : String(v.v);
}

const not3 = (v: boolean | null) => (v === null ? null : !v);
const and3 = (l: boolean | null, r: boolean | null) =>
  l === false || r === false ? false : l === null || r === null ? null : true;
const test = (c: number | null, ok: (c: number) => boolean) => (c === null ? null : ok(c));
const OPS: Record<string, (c: number) => boolean> = {
  "=": (c) => c === 0,
  "<>": (c) => c !== 0,
  "!=": (c) => c !== 0,
  "<": (c) => c < 0,
  ">": (c) => c > 0,
  "<=": (c) => c <= 0,
  ">=": (c) => c >= 0,
};

const collations = new WeakMap<Predicate, Collation>();
/**
 * The collation a condition compares its strings by: its text columns' (parseFilter refuses two
 * different ones), which wins over the literals', else utf8mb4_general_ci.
 */
function collationOf(e: Predicate): Collation {
  let collation = collations.get(e);
  if (!collation) {
    const named = operandsOf(e).find((o) => o.kind === "column" && o.collation !== undefined);
    const name = named?.kind === "column" ? named.collation : undefined;
    // A collation not modelled passed parseFilter only for an ENUM compared for equality with its
    // values spelled exactly as defined: equal by code points then.
    const exact = collationNamed("utf8mb4_bin") ?? GENERAL_CI;
    collation = name === undefined ? GENERAL_CI : (collationNamed(name) ?? exact);
    collations.set(e, collation);
  }
  return collation;
}

function evaluate(e: FilterExpr, row: Record<string, unknown>): boolean | null {
  switch (e.kind) {
    case "and":
      return and3(evaluate(e.left, row), evaluate(e.right, row));
    case "or":
      return not3(and3(not3(evaluate(e.left, row)), not3(evaluate(e.right, row))));
    case "not":
      return not3(evaluate(e.expr, row));
    case "compare": {
      const a = operandValue(e.left, row);
      const b = operandValue(e.right, row);
      const c = compare(a, b, modeOf([kindOf(e.left, a), kindOf(e.right, b)]), collationOf(e));
      if (e.op === "<=>") return a.t === "null" || b.t === "null" ? a.t === b.t : c === 0;
      return test(c, OPS[e.op] ?? (() => false));
    }
    case "in": {
      const value = operandValue(e.operand, row);
      const items = e.list.map((item) => operandValue(item, row));
      // One comparison for the whole list; when strings and numbers mix, pair by pair, with the
      // strings' collation still aggregated over the list (a binary string makes all binary).
      const kinds = [kindOf(e.operand, value), ...e.list.map((o, i) => kindOf(o, items[i] ?? NULL))];
      const all = modeOf(kinds);
      let found: boolean | null = false;
      for (const [i, item] of e.list.entries()) {
        const v = items[i] ?? NULL;
        let mode = all === "double" ? modeOf([kindOf(e.operand, value), kindOf(item, v)]) : all;
        if (mode === "string" && kinds.includes("binary")) mode = "binary";
        const c = compare(value, v, mode, collationOf(e));
        if (c === 0) return !e.not;
        if (c === null) found = null;
      }
      return e.not ? not3(found) : found;
    }
    case "between": {
      const [v, low, high] = [e.operand, e.low, e.high].map((o) => operandValue(o, row)) as [
        Value,
        Value,
        Value,
      ];
      const mode = modeOf([kindOf(e.operand, v), kindOf(e.low, low), kindOf(e.high, high)]);
      const collation = collationOf(e);
      const inside = and3(
        test(compare(v, low, mode, collation), (c) => c >= 0),
        test(compare(v, high, mode, collation), (c) => c <= 0),
      );
      return e.not ? not3(inside) : inside;
    }
    case "like": {
      const text = operandValue(e.operand, row);
      const pattern = operandValue(e.pattern, row);
      if (text.t === "null" || pattern.t === "null") return null;
      const binary = text.t === "binary" || pattern.t === "binary";
      const options = binary
        ? { caseInsensitive: false, escape: e.escape ?? "\\" }
        : { weight: collationOf(e).weight, escape: e.escape ?? "\\" };
      const result = likeMatches(likeText(text, binary), likeText(pattern, binary), options);
      return e.not ? !result : result;
    }
    case "isNull": {
      const isNull = operandValue(e.operand, row).t === "null";
      return e.not ? !isNull : isNull;
    }
  }
}
