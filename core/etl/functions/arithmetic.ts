import type { Decimal } from "../decimal.ts";
import { MAX_EXACT_DIGITS } from "../limits.ts";
import { widen } from "../types.ts";
import {
  addLong,
  type Fail,
  type Long,
  modLong,
  mulLong,
  subLong,
  toDecimal,
  toDouble,
  type Value,
} from "../values.ts";
import {
  type CallContext,
  type Eval,
  NUMBERS,
  strict2,
  strictN,
  type TypedValue,
  type ValueBuiltin,
} from "./types.ts";

type NumType = "long" | "decimal" | "double";

interface NumberOps {
  long(a: Long, b: Long): Value;
  decimal(a: Decimal, b: Decimal): Value;
  double(a: number, b: number): Value;
}

function numbers(cx: CallContext, hint: string): TypedValue[] {
  const args: TypedValue[] = [];
  for (let i = 0; i < cx.count; i++) args.push(cx.arg(i, NUMBERS, `a number${hint}`));
  return args;
}

/** Converts a value of type `from` to `to` (long -> decimal -> double). */
function converter(from: NumType, to: NumType): ((v: Value) => Value) | undefined {
  if (from === to) return undefined;
  if (to === "decimal") return (v) => toDecimal(v, from);
  return (v) => toDouble(v, from);
}

function convertAll(args: readonly TypedValue[], to: NumType): Eval[] {
  return args.map((a) => {
    const convert = converter(a.type as NumType, to);
    if (!convert) return a.eval;
    const inner = a.eval;
    return (env) => {
      const v = inner(env);
      return v === null ? null : convert(v);
    };
  });
}

const EXACT_BOUND = 10n ** BigInt(MAX_EXACT_DIGITS);

/**
 * The operation, stopping the row when an exact result (long or decimal) has more than
 * MAX_EXACT_DIGITS digits: exact arithmetic has no overflow, so a script squaring a value in a
 * loop of e_set pairs would otherwise compute ever larger numbers for seconds per row.
 */
function bounded(
  type: NumType,
  op: (a: Value, b: Value) => Value,
  fail: Fail,
): (a: Value, b: Value) => Value {
  const tooLarge = () =>
    fail(
      `the result has more than ${MAX_EXACT_DIGITS.toLocaleString("en-US")} digits, more than exact arithmetic keeps`,
    );
  if (type === "long")
    return (a, b) => {
      const v = op(a, b);
      return typeof v === "bigint" && (v >= EXACT_BOUND || v <= -EXACT_BOUND) ? tooLarge() : v;
    };
  if (type === "decimal")
    return (a, b) => {
      const d = op(a, b) as Decimal;
      const large = d.unscaled >= EXACT_BOUND || d.unscaled <= -EXACT_BOUND || d.scale > MAX_EXACT_DIGITS;
      return large ? tooLarge() : d;
    };
  return op;
}

/** A left fold over two or more numbers in their widest type; NULL if any is NULL. */
function fold(ops: NumberOps, hint = ""): ValueBuiltin["compile"] {
  return (cx) => {
    const args = numbers(cx, hint);
    const type = args.map((a) => a.type as NumType).reduce(widen);
    const evals = convertAll(args, type);
    const op = bounded(type, ops[type] as (a: Value, b: Value) => Value, cx.fail);
    if (evals.length === 2) return { type, eval: strict2(evals[0] as Eval, evals[1] as Eval, op) };
    return { type, eval: strictN(evals, (values) => values.reduce((acc, v) => op(acc, v))) };
  };
}

const sum: NumberOps = {
  long: addLong,
  decimal: (a, b) => a.add(b),
  double: (a, b) => a + b,
};

export const arithmetic: ValueBuiltin[] = [
  {
    kind: "value",
    name: "op_sum",
    signature: "(a: number, b: number, ...) -> number",
    min: 2,
    max: Number.POSITIVE_INFINITY,
    compile: fold(sum, " (join strings with op_add or str_format)"),
  },
  {
    kind: "value",
    name: "op_sub",
    signature: "(a: number, b: number) -> number",
    min: 2,
    max: 2,
    compile: fold({ long: subLong, decimal: (a, b) => a.sub(b), double: (a, b) => a - b }),
  },
  {
    kind: "value",
    name: "op_mul",
    signature: "(a: number, b: number, ...) -> number",
    min: 2,
    max: Number.POSITIVE_INFINITY,
    compile: fold({ long: mulLong, decimal: (a, b) => a.mul(b), double: (a, b) => a * b }),
  },
  {
    kind: "value",
    name: "op_div_true",
    signature: "(a: number, b: number) -> double",
    min: 2,
    max: 2,
    compile(cx) {
      const [a, b] = numbers(cx, "");
      const [x, y] = convertAll([a as TypedValue, b as TypedValue], "double") as [Eval, Eval];
      const fail = cx.fail;
      return {
        type: "double",
        eval: strict2(x, y, (p, q) => (q === 0 ? fail("division by zero") : (p as number) / (q as number))),
      };
    },
  },
  {
    kind: "value",
    name: "op_mod",
    signature: "(a: number, b: number) -> number",
    min: 2,
    max: 2,
    compile(cx) {
      const args = numbers(cx, "");
      const type = args.map((a) => a.type as NumType).reduce(widen);
      const [x, y] = convertAll(args, type) as [Eval, Eval];
      const fail = cx.fail;
      const byZero = () => fail("division by zero");
      const op =
        type === "long"
          ? (p: Value, q: Value) => modLong(p as Long, q as Long) ?? byZero()
          : type === "decimal"
            ? (p: Value, q: Value) => (p as Decimal).mod(q as Decimal) ?? byZero()
            : (p: Value, q: Value) => ((q as number) === 0 ? byZero() : (p as number) % (q as number));
      return { type, eval: strict2(x, y, op) };
    },
  },
];

export { fold as numberFold, sum as sumOps };
