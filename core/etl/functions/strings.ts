import { MAX_TEXT_LENGTH } from "../limits.ts";
import { describeType, isNumeric } from "../types.ts";
import { type Fail, type Long, normLong, parseLong, show, toText, type Value } from "../values.ts";
import { numberFold, sumOps } from "./arithmetic.ts";
import {
  type CallContext,
  type Eval,
  SCALARS,
  strict1,
  strict2,
  strict3,
  strictN,
  type TypedValue,
  type ValueBuiltin,
} from "./types.ts";

const SURROGATE = /[\uD800-\uDFFF]/;

/** Characters (code points, as MySQL counts them), not UTF-16 units. */
function chars(s: string): string[] {
  return Array.from(s);
}

function codePointIndex(s: string, unitIndex: number): number {
  if (unitIndex <= 0) return unitIndex;
  const head = s.slice(0, unitIndex);
  return SURROGATE.test(head) ? chars(head).length : unitIndex;
}

function length(s: string): number {
  return SURROGATE.test(s) ? chars(s).length : s.length;
}

function strings(cx: CallContext, from: number, to: number): Eval[] {
  const evals: Eval[] = [];
  for (let i = from; i < to; i++) evals.push(cx.arg(i, ["string"], "a string").eval);
  return evals;
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** Python's str.replace: at most `count` replacements (all when negative); "" inserts between chars. */
export function replace(s: string, old: string, replacement: string, count: number): string {
  const limit = count < 0 ? Number.POSITIVE_INFINITY : count;
  if (limit === 0) return s;
  if (old === "") {
    const cs = chars(s);
    let out = "";
    let done = 0;
    for (const c of cs) {
      if (done < limit) {
        out += replacement;
        done++;
      }
      out += c;
    }
    return done < limit ? out + replacement : out;
  }
  let out = "";
  let at = 0;
  let done = 0;
  while (done < limit) {
    const found = s.indexOf(old, at);
    if (found < 0) break;
    out += s.slice(at, found) + replacement;
    at = found + old.length;
    done++;
  }
  return out + s.slice(at);
}

/** Stops the row when a text result would be longer than MAX_TEXT_LENGTH (before it is built). */
function checkLength(length: number, fail: Fail): void {
  if (length > MAX_TEXT_LENGTH)
    fail(
      `the result would be ${length.toLocaleString("en-US")} characters long, more than the ${MAX_TEXT_LENGTH.toLocaleString("en-US")} a text value may have`,
    );
}

/** The length replace() gives, counted without building it (only when it may be too long). */
function replacedLength(s: string, old: string, replacement: string, count: number): number {
  if (replacement.length <= old.length || (s.length + 1) * (replacement.length + 1) <= MAX_TEXT_LENGTH)
    return s.length;
  const limit = count < 0 ? Number.POSITIVE_INFINITY : count;
  if (old === "") return s.length + Math.min(limit, length(s) + 1) * replacement.length;
  let n = 0;
  for (let at = s.indexOf(old); at >= 0 && n < limit; at = s.indexOf(old, at + old.length)) n++;
  return s.length + n * (replacement.length - old.length);
}

/** Python's str.strip: removes the given characters (whitespace by default) from both ends. */
export function strip(s: string, set: string | undefined): string {
  if (set === undefined) return s.trim();
  const remove = new Set(chars(set));
  const cs = chars(s);
  let start = 0;
  let end = cs.length;
  while (start < end && remove.has(cs[start] as string)) start++;
  while (end > start && remove.has(cs[end - 1] as string)) end--;
  return cs.slice(start, end).join("");
}

/** Python's str.count: non-overlapping occurrences; "" occurs length + 1 times. */
export function count(s: string, sub: string): number {
  if (sub === "") return length(s) + 1;
  let n = 0;
  for (let at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length)) n++;
  return n;
}

/** Characters start..end (0-based, inclusive, clamped to the string) replaced by `mask` each. */
export function mask(s: string, start: number, end: number, maskWith: string): string {
  if (!SURROGATE.test(s)) {
    const from = Math.max(0, start);
    const to = Math.min(s.length - 1, end);
    return from > to ? s : s.slice(0, from) + maskWith.repeat(to - from + 1) + s.slice(to + 1);
  }
  const cs = chars(s);
  const from = Math.max(0, start);
  const to = Math.min(cs.length - 1, end);
  if (from > to) return s;
  return cs.slice(0, from).join("") + maskWith.repeat(to - from + 1) + cs.slice(to + 1).join("");
}

type Piece = string | number;

/** "{} and {1}" -> pieces; "{{" and "}}" are braces. Returns what is wrong as a string. */
export function parseFormat(format: string, values: number): Piece[] | string {
  const pieces: Piece[] = [];
  let text = "";
  let auto = 0;
  let mode: "auto" | "manual" | undefined;
  for (let i = 0; i < format.length; i++) {
    const ch = format[i];
    if (ch === "{" && format[i + 1] === "{") {
      text += "{";
      i++;
    } else if (ch === "}" && format[i + 1] === "}") {
      text += "}";
      i++;
    } else if (ch === "{") {
      const close = format.indexOf("}", i);
      const inside = close < 0 ? undefined : format.slice(i + 1, close);
      if (inside === undefined || !/^\d*$/.test(inside))
        return `bad placeholder at character ${i + 1} of the format: write {} or {0} (and {{ for a brace)`;
      const kind = inside === "" ? "auto" : "manual";
      if (mode !== undefined && mode !== kind) return "mixes {} and {n} placeholders: use one style";
      mode = kind;
      const index = inside === "" ? auto++ : Number(inside);
      if (index >= values)
        return `placeholder {${inside}} needs value ${index + 1} but ${values} value(s) follow the format`;
      if (text) pieces.push(text);
      text = "";
      pieces.push(index);
      i = close;
    } else if (ch === "}") {
      return `single } at character ${i + 1} of the format: write }} for a brace`;
    } else text += ch;
  }
  if (text) pieces.push(text);
  return pieces;
}

export function substringAfter(s: string, separator: string): string {
  const at = s.indexOf(separator);
  return at < 0 ? "" : s.slice(at + separator.length);
}

export function substringBefore(s: string, separator: string): string {
  if (separator === "") return "";
  const at = s.indexOf(separator);
  return at < 0 ? s : s.slice(0, at);
}

export function substringBetween(s: string, open: string, close: string): string | null {
  const start = s.indexOf(open);
  if (start < 0) return null;
  const end = s.indexOf(close, start + open.length);
  return end < 0 ? null : s.slice(start + open.length, end);
}

function simple(
  name: string,
  signature: string,
  arity: number,
  type: "string" | "long" | "bool",
  f: (...args: string[]) => Value,
): ValueBuiltin {
  return {
    kind: "value",
    name,
    signature,
    min: arity,
    max: arity,
    compile(cx) {
      const args = strings(cx, 0, arity);
      const [a, b, c] = args as [Eval, Eval, Eval];
      if (arity === 1) return { type, eval: strict1(a, (x) => f(x as string)) };
      if (arity === 2) return { type, eval: strict2(a, b, (x, y) => f(x as string, y as string)) };
      return { type, eval: strict3(a, b, c, (x, y, z) => f(x as string, y as string, z as string)) };
    },
  };
}

export const stringFunctions: ValueBuiltin[] = [
  {
    kind: "value",
    name: "op_add",
    signature: "(a: string, b: string, ...) -> string  |  (a: number, b: number, ...) -> number",
    min: 2,
    max: Number.POSITIVE_INFINITY,
    compile(cx) {
      const args: TypedValue[] = [];
      for (let i = 0; i < cx.count; i++) args.push(cx.value(i));
      const first = args[0] as TypedValue;
      if (isNumeric(first.type) && args.every((a) => isNumeric(a.type))) return numberFold(sumOps)(cx);
      for (const arg of args) {
        if (arg.type !== "string")
          cx.error(
            arg.pos,
            `op_add: argument ${args.indexOf(arg) + 1} must be a string (op_add joins strings, or adds numbers when all are numbers), got ${describeType(arg.type)}: convert it with cast_long_to_string or use str_format`,
          );
      }
      const evals = args.map((a) => a.eval);
      const fail = cx.fail;
      if (evals.length === 2)
        return {
          type: "string",
          eval: strict2(evals[0] as Eval, evals[1] as Eval, (x, y) => {
            checkLength((x as string).length + (y as string).length, fail);
            return `${x}${y}`;
          }),
        };
      return {
        type: "string",
        eval: strictN(evals, (values) => {
          let total = 0;
          for (const v of values) total += (v as string).length;
          checkLength(total, fail);
          return values.join("");
        }),
      };
    },
  },
  {
    kind: "value",
    name: "str_format",
    signature: "(format: string literal, value: any, ...) -> string",
    min: 1,
    max: Number.POSITIVE_INFINITY,
    literals: [0],
    compile(cx) {
      const { text, pos } = cx.literal(0);
      const values: TypedValue[] = [];
      for (let i = 1; i < cx.count; i++)
        values.push(cx.arg(i, SCALARS, "a number, string, bool or datetime"));
      const pieces = parseFormat(text, values.length);
      if (typeof pieces === "string") return cx.error(pos, `str_format: the format ${pieces}`);
      const types = values.map((v) => v.type);
      const fail = cx.fail;
      return {
        type: "string",
        eval: strictN(
          values.map((v) => v.eval),
          (vs) => {
            let out = "";
            for (const p of pieces) {
              out += typeof p === "string" ? p : toText(vs[p], types[p] ?? "string");
              checkLength(out.length, fail);
            }
            return out;
          },
        ),
      };
    },
  },
  {
    kind: "value",
    name: "str_replace",
    signature: "(s: string, old: string, new: string[, count: long]) -> string",
    min: 3,
    max: 4,
    compile(cx) {
      const [s, old, replacement] = strings(cx, 0, 3) as [Eval, Eval, Eval];
      const fail = cx.fail;
      const run = (x: string, y: string, z: string, c: number) => {
        checkLength(replacedLength(x, y, z, c), fail);
        return replace(x, y, z, c);
      };
      if (cx.count === 3)
        return {
          type: "string",
          eval: strict3(s, old, replacement, (x, y, z) => run(x as string, y as string, z as string, -1)),
        };
      const n = cx.arg(3, ["long"], "a long (how many to replace; -1 for all)").eval;
      return {
        type: "string",
        eval: strictN([s, old, replacement, n], ([x, y, z, c]) =>
          run(x as string, y as string, z as string, Number(c as Long)),
        ),
      };
    },
  },
  {
    kind: "value",
    name: "str_strip",
    signature: "(s: string[, chars: string]) -> string",
    min: 1,
    max: 2,
    compile(cx) {
      const [s, set] = strings(cx, 0, cx.count) as [Eval, Eval | undefined];
      if (!set) return { type: "string", eval: strict1(s, (x) => strip(x as string, undefined)) };
      return { type: "string", eval: strict2(s, set, (x, y) => strip(x as string, y as string)) };
    },
  },
  simple("str_lower", "(s: string) -> string", 1, "string", (s) => s.toLowerCase()),
  simple("str_upper", "(s: string) -> string", 1, "string", (s) => s.toUpperCase()),
  simple("str_count", "(s: string, sub: string) -> long", 2, "long", count),
  simple("str_find", "(s: string, sub: string) -> long", 2, "long", (s, sub) =>
    codePointIndex(s, s.indexOf(sub)),
  ),
  simple("str_isalpha", "(s: string) -> bool", 1, "bool", (s) => /^\p{L}+$/u.test(s)),
  simple("str_isdigit", "(s: string) -> bool", 1, "bool", (s) => /^[0-9]+$/.test(s)),
  {
    kind: "value",
    name: "str_mask",
    signature: "(s: string, start: long, end: long, mask: string) -> string",
    min: 4,
    max: 4,
    compile(cx) {
      const s = cx.arg(0, ["string"], "a string").eval;
      const start = cx.arg(1, ["long"], "a long (first character to mask, from 0)").eval;
      const end = cx.arg(2, ["long"], "a long (last character to mask, inclusive)").eval;
      const maskWith = cx.arg(3, ["string"], "a string (the mask character)").eval;
      const fail = cx.fail;
      return {
        type: "string",
        eval: strictN([s, start, end, maskWith], ([x, from, to, m]) => {
          const [text, first, last, masked] = [
            x as string,
            Number(from as Long),
            Number(to as Long),
            m as string,
          ];
          // Each masked character (one UTF-16 unit or two) becomes the whole mask.
          if (text.length * masked.length > MAX_TEXT_LENGTH) {
            const count = Math.max(0, Math.min(length(text) - 1, last) - Math.max(0, first) + 1);
            checkLength(text.length + count * (masked.length - 1), fail);
          }
          return mask(text, first, last, masked);
        }),
      };
    },
  },
  simple("substring_after", "(s: string, separator: string) -> string", 2, "string", substringAfter),
  simple("substring_before", "(s: string, separator: string) -> string", 2, "string", substringBefore),
  simple(
    "substring_between",
    "(s: string, open: string, close: string) -> string",
    3,
    "string",
    substringBetween,
  ),
  {
    kind: "value",
    name: "cast_string_to_long",
    signature: "(s: string) -> long",
    min: 1,
    max: 1,
    compile(cx) {
      const s = cx.arg(0, ["string"], "a string").eval;
      const fail = cx.fail;
      return {
        type: "long",
        eval: strict1(s, (x) => {
          const n = parseLong(x as string);
          if (n === undefined) return fail(`${show(x)} is not an integer`);
          if (typeof n === "bigint" && (n < LONG_MIN || n > LONG_MAX))
            return fail(`${show(x)} is out of the long range (-2^63 to 2^63-1)`);
          return typeof n === "bigint" ? normLong(n) : n;
        }),
      };
    },
  },
  {
    kind: "value",
    name: "cast_long_to_string",
    signature: "(n: long) -> string",
    min: 1,
    max: 1,
    compile(cx) {
      const n = cx.arg(0, ["long"], "a long").eval;
      return { type: "string", eval: strict1(n, (x) => String(x)) };
    },
  },
];
