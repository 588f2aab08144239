import type { SourcePos } from "./errors.ts";

/**
 * The parsed script, before it meets a table. Operators are already calls (a + b is
 * op_sum(a, b), with `operator` kept for messages); every node keeps the position of the token
 * it starts at.
 */
export type Expr = NumberLit | StringLit | BoolLit | ColumnRef | NameRef | Call | Ternary;

export interface NumberLit {
  kind: "number";
  /** Digits as written (with a leading '-' when negated). */
  text: string;
  /** Written with a '.' (decimal) or an exponent (double). */
  form: "integer" | "decimal" | "double";
  pos: SourcePos;
}

export interface StringLit {
  kind: "string";
  value: string;
  pos: SourcePos;
}

export interface BoolLit {
  kind: "bool";
  value: boolean;
  pos: SourcePos;
}

/** `column` */
export interface ColumnRef {
  kind: "column";
  name: string;
  pos: SourcePos;
}

/** A bare name: a variable (__TB__) or a constant (__OP_INSERT__). */
export interface NameRef {
  kind: "name";
  name: string;
  pos: SourcePos;
}

export interface Arg {
  /** For name=value arguments (dt_add(`d`, days=1)). */
  name?: string;
  namePos?: SourcePos;
  value: Expr;
}

export interface Call {
  kind: "call";
  name: string;
  args: Arg[];
  pos: SourcePos;
  /** Position of the closing parenthesis (where a missing argument is reported). */
  end: SourcePos;
  /** The operator this call was written as (+, ==, unary -), if any. */
  operator?: string;
}

export interface Ternary {
  kind: "ternary";
  cond: Expr;
  whenTrue: Expr;
  whenFalse: Expr;
  /** Position of the '?'. */
  pos: SourcePos;
}

/** A parsed script: its text and its single expression. */
export interface EtlProgram {
  readonly script: string;
  readonly root: Expr;
}

/** Where an expression starts in the text (a binary operator call starts at its left operand). */
export function startOf(expr: Expr): SourcePos {
  if (expr.kind === "call" && expr.operator !== undefined) {
    const first = expr.args[0];
    if (first) return startOf(first.value);
  }
  if (expr.kind === "ternary") return startOf(expr.cond);
  return expr.pos;
}
