import type { Row } from "../../model/row.ts";
import type { Call } from "../ast.ts";
import type { SourcePos } from "../errors.ts";
import type { EtlType } from "../types.ts";
import type { Fail, Value } from "../values.ts";
import type { TimeZone } from "../zones.ts";

/** What an expression sees while one row is transformed. */
export interface Env {
  /** The row as the pipeline gave it (never modified), or a stand-in when the row is disposable. */
  readonly input: Row;
  /** The row being built: `input` until the first e_set copies it. */
  row: Row;
  /** INSERT, UPDATE or DELETE. */
  readonly operation: string;
  /** Source commit time, epoch milliseconds. */
  readonly commitMs: number;
  /** dt_now's clock, read once per row. */
  nowMs: number | undefined;
}

export type Eval = (env: Env) => Value;
/** Runs an event function on the row; false when the row was dropped. */
export type Step = (env: Env) => boolean;

/** A value expression checked against a table and compiled to a closure. */
export interface TypedValue {
  readonly type: EtlType;
  readonly eval: Eval;
  /** Depends only on literals, __DB__ and __TB__: computed once, at compile time. */
  readonly constant: boolean;
  /** Where the expression starts, for messages about it. */
  readonly pos: SourcePos;
}

/** An event function (e_set, e_if, ...) compiled for a table. */
export interface EventCode {
  readonly run: Step;
  /** Never changes nor drops a row of this table (a branch no row of it can take). */
  readonly noop: boolean;
}

/** A column e_set writes: its name and where it is written in the script. */
export interface Target {
  readonly name: string;
  readonly pos: SourcePos;
}

/**
 * What a builtin sees while it is compiled for one table. Arguments are compiled on demand, so a
 * builtin that knows a branch can never run (a constant condition) does not compile it, and that
 * branch is not checked against the table's columns.
 */
export interface CallContext {
  readonly call: Call;
  /** Number of positional arguments. */
  readonly count: number;
  readonly timeZone: TimeZone;
  readonly regexInputLimit: number;
  /** Compiles positional argument i. */
  value(i: number): TypedValue;
  /** Compiles positional argument i and checks its type; `expected` says what fits ("a string"). */
  arg(i: number, accepted: readonly EtlType[], expected: string): TypedValue;
  /** Compiles positional argument i as an event function. */
  event(i: number): EventCode;
  /** Compiles the name=value argument, if given. */
  named(name: string): TypedValue | undefined;
  /** The string literal written at argument i (its text and position). */
  literal(i: number): { text: string; pos: SourcePos };
  /** The `column` written at argument i. */
  target(i: number): Target;
  /** Checks the column can be written with a value of this type; returns the writer. */
  assign(target: Target, value: TypedValue): (env: Env, value: Value) => void;
  /** Fails the current row at this call. */
  readonly fail: Fail;
  /** Reports a problem found at compile time and abandons the call. */
  error(pos: SourcePos, message: string): never;
  /** Current time, epoch ms, read once per row. */
  now(env: Env): number;
}

interface BuiltinBase {
  readonly name: string;
  /** Parameters and result, for messages and docs: "(s: string, start: long, ...) -> string". */
  readonly signature: string;
  readonly min: number;
  readonly max: number;
  /** Accepted name=value arguments. */
  readonly named?: readonly string[];
  /** Positional arguments that must be written as string literals (formats, patterns, zones). */
  readonly literals?: readonly number[];
  /** Positional arguments that are event functions (the others are values). */
  readonly events?: (index: number, count: number) => boolean;
  /** A table-independent check of the call's shape; returns what is wrong. */
  readonly shape?: (call: Call) => { pos: Call["pos"]; message: string } | undefined;
}

export interface ValueBuiltin extends BuiltinBase {
  readonly kind: "value";
  /** Reads the clock: never computed at compile time. */
  readonly impure?: boolean;
  /** `constant` overrides the default (constant when every compiled argument is). */
  compile(cx: CallContext): { type: EtlType; eval: Eval; constant?: boolean };
}

export interface EventBuiltin extends BuiltinBase {
  readonly kind: "event";
  compile(cx: CallContext): EventCode;
}

export type Builtin = ValueBuiltin | EventBuiltin;

// Helpers for NULL-in, NULL-out functions

export function strict1(a: Eval, f: (x: Value) => Value): Eval {
  return (env) => {
    const x = a(env);
    return x === null ? null : f(x);
  };
}

export function strict2(a: Eval, b: Eval, f: (x: Value, y: Value) => Value): Eval {
  return (env) => {
    const x = a(env);
    if (x === null) return null;
    const y = b(env);
    return y === null ? null : f(x, y);
  };
}

export function strict3(a: Eval, b: Eval, c: Eval, f: (x: Value, y: Value, z: Value) => Value): Eval {
  return (env) => {
    const x = a(env);
    if (x === null) return null;
    const y = b(env);
    if (y === null) return null;
    const z = c(env);
    return z === null ? null : f(x, y, z);
  };
}

export function strictN(args: readonly Eval[], f: (values: Value[]) => Value): Eval {
  return (env) => {
    const values: Value[] = new Array(args.length);
    for (let i = 0; i < args.length; i++) {
      const v = (args[i] as Eval)(env);
      if (v === null) return null;
      values[i] = v;
    }
    return f(values);
  };
}

export const SCALARS: readonly EtlType[] = ["long", "decimal", "double", "string", "bool", "datetime"];
export const NUMBERS: readonly EtlType[] = ["long", "decimal", "double"];
