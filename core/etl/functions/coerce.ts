import type { Row } from "../../model/row.ts";
import { DateTime } from "../datetime.ts";
import { show, type Value } from "../values.ts";
import type { CallContext, Env, Eval, TypedValue } from "./types.ts";

/** The environment constant expressions are computed in at compile time (they never read it). */
export const CONST_ENV: Env = {
  input: {} as Row,
  row: {} as Row,
  operation: "",
  commitMs: 0,
  nowMs: undefined,
};

/** The value of a constant expression. */
export function constantValue(arg: TypedValue): Value {
  return arg.eval(CONST_ENV);
}

export const DATETIME_EXPECTED = "'YYYY-MM-DD HH:MM:SS[.ffffff]'";

/**
 * A datetime argument: a datetime, or a string holding one ('2021-01-01 10:10:01'), parsed at
 * compile time when constant, else per row (failing the row when it is not a datetime).
 */
export function asDateTime(cx: CallContext, arg: TypedValue): Eval {
  if (arg.type === "datetime") return arg.eval;
  if (arg.constant) {
    const text = constantValue(arg);
    if (text === null) return () => null;
    const d = DateTime.parse(text as string);
    if (!d) return cx.error(arg.pos, `${show(text)} is not a datetime: expected ${DATETIME_EXPECTED}`);
    return () => d;
  }
  const inner = arg.eval;
  const fail = cx.fail;
  return (env) => {
    const text = inner(env);
    if (text === null) return null;
    const d = DateTime.parse(text as string);
    return d === undefined ? fail(`${show(text)} is not a datetime: expected ${DATETIME_EXPECTED}`) : d;
  };
}
