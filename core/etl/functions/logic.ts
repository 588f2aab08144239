import { DateTime } from "../datetime.ts";
import { Decimal } from "../decimal.ts";
import { describeType, type EtlType, isNumeric, widen } from "../types.ts";
import { comparatorFor, inKey, type JsonArray, toDecimal, toDouble, type Value } from "../values.ts";
import { asDateTime, constantValue } from "./coerce.ts";
import {
  type CallContext,
  type Eval,
  strict1,
  strict2,
  type TypedValue,
  type ValueBuiltin,
} from "./types.ts";

type Comparable = "long" | "decimal" | "double" | "string" | "datetime" | "bool";

/** Brings both sides of a comparison to one type: numbers widen, a string meets a datetime as one. */
function comparable(cx: CallContext, name: string, ordering: boolean): [Comparable, Eval, Eval] {
  const a = cx.value(0);
  const b = cx.value(1);
  for (const arg of [a, b]) {
    if (arg.type === "json_array" || arg.type.startsWith("opaque:") || (ordering && arg.type === "bool"))
      cx.error(
        arg.pos,
        `${name}: argument ${arg === a ? 1 : 2} must be ${
          ordering ? "a number, a string or a datetime" : "a number, a string, a datetime or a bool"
        }, got ${describeType(arg.type)}`,
      );
  }
  if (isNumeric(a.type) && isNumeric(b.type)) {
    const type = widen(a.type, b.type);
    return [type, toType(a, type), toType(b, type)];
  }
  if (a.type === b.type) return [a.type as Comparable, a.eval, b.eval];
  if (a.type === "datetime" && b.type === "string") return ["datetime", a.eval, asDateTime(cx, b)];
  if (a.type === "string" && b.type === "datetime") return ["datetime", asDateTime(cx, a), b.eval];
  const hint =
    a.type === "string" || b.type === "string"
      ? ": convert one side with cast_string_to_long or cast_long_to_string"
      : "";
  return cx.error(
    b.pos,
    `${name}: cannot compare ${describeType(a.type)} with ${describeType(b.type)}${hint}`,
  );
}

function toType(arg: TypedValue, type: "long" | "decimal" | "double"): Eval {
  if (arg.type === type) return arg.eval;
  const from = arg.type;
  const convert = type === "decimal" ? (v: Value) => toDecimal(v, from) : (v: Value) => toDouble(v, from);
  return strict1(arg.eval, convert);
}

function comparison(name: string, test: (order: number) => boolean, ordering: boolean): ValueBuiltin {
  return {
    kind: "value",
    name,
    signature: ordering
      ? "(a: number|string|datetime, b: same) -> bool"
      : "(a: number|string|datetime|bool, b: same) -> bool",
    min: 2,
    max: 2,
    compile(cx) {
      const [type, x, y] = comparable(cx, name, ordering);
      const order = comparatorFor(type);
      return { type: "bool", eval: strict2(x, y, (p, q) => test(order(p, q))) };
    },
  };
}

const CONDITION = "a bool (a condition such as op_gt(`id`, 10))";

/** op_and / op_or: Kleene logic, short-circuit, and folded when a constant operand decides. */
function junction(name: "op_and" | "op_or"): ValueBuiltin {
  const decisive = name === "op_or";
  return {
    kind: "value",
    name,
    signature: "(a: bool, b: bool, ...) -> bool",
    min: 2,
    max: Number.POSITIVE_INFINITY,
    compile(cx) {
      const evals: Eval[] = [];
      for (let i = 0; i < cx.count; i++) {
        const arg = cx.arg(i, ["bool"], CONDITION);
        if (arg.constant) {
          const v = constantValue(arg);
          // A constant operand that decides the result: the rest is never evaluated (nor checked).
          if (v === decisive) return { type: "bool", eval: () => decisive, constant: true };
          if (v === !decisive) continue;
        }
        evals.push(arg.eval);
      }
      const n = evals.length;
      if (n === 0) return { type: "bool", eval: () => !decisive, constant: true };
      return {
        type: "bool",
        eval: (env) => {
          let unknown = false;
          for (let i = 0; i < n; i++) {
            const v = (evals[i] as Eval)(env);
            if (v === decisive) return decisive;
            if (v === null) unknown = true;
          }
          return unknown ? null : !decisive;
        },
      };
    },
  };
}

const SCALAR_OR_OPAQUE = (type: EtlType) => type !== "json_array";

function nullTest(name: string, isNull: boolean): ValueBuiltin {
  return {
    kind: "value",
    name,
    signature: "(value: any) -> bool",
    min: 1,
    max: 1,
    compile(cx) {
      const arg = cx.value(0);
      if (!SCALAR_OR_OPAQUE(arg.type))
        cx.error(arg.pos, `${name}: argument 1 must be a value, got a json_array`);
      const inner = arg.eval;
      return { type: "bool", eval: isNull ? (env) => inner(env) === null : (env) => inner(env) !== null };
    },
  };
}

/** The items of a json_array converted to keys for a value of `type`; a string says what is wrong. */
function keysFor(list: JsonArray, type: EtlType): Set<string> | string {
  const keys = new Set<string>();
  for (const item of list.items) {
    if (isNumeric(type)) {
      const d =
        typeof item === "number"
          ? Decimal.fromNumber(item)
          : typeof item === "string"
            ? Decimal.parse(item)
            : undefined;
      if (!d)
        return `item ${JSON.stringify(item)} is not a number, and the value tested is ${describeType(type)}`;
      keys.add(inKey(d, "decimal"));
    } else if (type === "string") {
      if (typeof item !== "string" && typeof item !== "number")
        return `item ${JSON.stringify(item)} is not a string, and the value tested is a string`;
      keys.add(String(item));
    } else if (type === "datetime") {
      const d = typeof item === "string" ? DateTime.parse(item) : undefined;
      if (!d) return `item ${JSON.stringify(item)} is not a datetime, and the value tested is a datetime`;
      keys.add(inKey(d, "datetime"));
    } else if (type === "bool") {
      if (typeof item !== "boolean") return `item ${JSON.stringify(item)} is not true or false`;
      keys.add(String(item));
    } else return `cannot test ${describeType(type)} for membership`;
  }
  return keys;
}

export const logic: ValueBuiltin[] = [
  comparison("op_eq", (c) => c === 0, false),
  comparison("op_gt", (c) => c > 0, true),
  comparison("op_lt", (c) => c < 0, true),
  comparison("op_ge", (c) => c >= 0, true),
  comparison("op_le", (c) => c <= 0, true),
  junction("op_and"),
  junction("op_or"),
  {
    kind: "value",
    name: "op_not",
    signature: "(a: bool) -> bool",
    min: 1,
    max: 1,
    compile(cx) {
      const arg = cx.arg(0, ["bool"], CONDITION);
      return { type: "bool", eval: strict1(arg.eval, (v) => !v) };
    },
  },
  nullTest("op_is_null", true),
  nullTest("op_is_not_null", false),
  {
    kind: "value",
    name: "op_in",
    signature: "(value: number|string|datetime|bool, list: json_array) -> bool",
    min: 2,
    max: 2,
    compile(cx) {
      const value = cx.value(0);
      const list = cx.arg(1, ["json_array"], "json_array('[...]')");
      const keys = keysFor(constantValue(list) as JsonArray, value.type);
      if (typeof keys === "string") return cx.error(list.pos, `op_in: ${keys}`);
      const type = value.type;
      return { type: "bool", eval: strict1(value.eval, (v) => keys.has(inKey(v, type))) };
    },
  },
  {
    kind: "value",
    name: "json_array",
    signature: "(json: string literal) -> json_array",
    min: 1,
    max: 1,
    literals: [0],
    compile(cx) {
      const { text, pos } = cx.literal(0);
      let items: unknown;
      try {
        items = JSON.parse(text);
      } catch (error) {
        return cx.error(
          pos,
          `json_array: ${(error as Error).message}: expected a JSON array such as '["a", "b"]'`,
        );
      }
      if (!Array.isArray(items) || items.some((i) => i === null || typeof i === "object"))
        return cx.error(
          pos,
          "json_array: expected a JSON array of strings, numbers or booleans, such as '[\"a\", 1]'",
        );
      const list: JsonArray = { items };
      return { type: "json_array", eval: () => list };
    },
  },
];
