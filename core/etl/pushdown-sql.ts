import { quoteIdentifier } from "../sql/identifiers.ts";
import type { Expr } from "./ast.ts";
import { BUILTINS } from "./functions/index.ts";
import { type ColumnKind, columnKind, type EtlType, isNumeric } from "./types.ts";
import type { Value } from "./values.ts";

/** The pieces the SQL translation (pushdown.ts) builds with: terms, literals, column reads, bounds. */

export interface PushdownColumn {
  name: string;
  dataType: string;
  /** COLUMN_TYPE, for the precision of DECIMAL columns. */
  columnType?: string | undefined;
  /** Character set of a text column. */
  charset?: string | undefined;
  added: boolean;
  generated: boolean;
  /** Whether the column can hold NULL (an added column always can). */
  nullable: boolean;
}

/** A DSL value as SQL: its expression and the digits it can hold (numbers). */
export interface Term {
  sql: string;
  type: EtlType;
  /** Whether the SQL can be NULL: fields of the others need no IFNULL, conditions no IS TRUE. */
  nullable: boolean;
  /** Integer and fraction digits a number can have (for DECIMAL(65) bounds). */
  digits?: { int: number; frac: number };
  /** A value that reads no column: the DSL value, computed by the JS functions. */
  constant?: { value: Value };
  /** An unconditional e_set of a constant: the row value the JS writer left, rendered as JS does. */
  field?: { value: unknown };
}

export class Unsupported {}
export const unsupported = (): never => {
  throw new Unsupported();
};

/** Never NULL: TRUE for NULL and for text of one byte per character. */
export const asciiText = (t: Term) =>
  t.nullable
    ? `(${t.sql} IS NULL OR CHAR_LENGTH(${t.sql}) = LENGTH(${t.sql}))`
    : `CHAR_LENGTH(${t.sql}) = LENGTH(${t.sql})`;
/** A mask this long or shorter is written into the SQL as a literal (see Translation.mask). */
export const MAX_MASK_LITERAL = 256;
/** str_mask positions the translation writes as SQL integers; larger ones go through JS. */
export const MAX_POSITION = 2 ** 31 - 1;
/**
 * Longest SQL of the line, and of any expression on the way: a column set from itself twice over
 * (e_set(`s`, op_add(`s`, `s`)), pair after pair) doubles its SQL at each pair, so the size is
 * checked as each expression is built, not only at the end.
 */
export const MAX_SQL = 60_000;

/** SQL whose length is bounded (else the script is left to the JS path). */
export function bounded(sql: string): string {
  return sql.length > MAX_SQL ? unsupported() : sql;
}

/**
 * Text from the script or the catalog as SQL: its UTF-8 bytes in hex, read as utf8mb4. No quote
 * or backslash reaches the SQL, so neither NO_BACKSLASH_ESCAPES nor ANSI_QUOTES changes it.
 */
export function utf8Literal(text: string): string {
  return `CONVERT(X'${Buffer.from(text, "utf8").toString("hex")}' USING utf8mb4)`;
}

export function decimalDigits(text: string): { int: number; frac: number } {
  const [int = "", frac = ""] = text.replace(/^[+-]/, "").split(".");
  return { int: Math.max(1, int.replace(/^0+/, "").length), frac: frac.length };
}

export function columnDigits(column: PushdownColumn): { int: number; frac: number } | undefined {
  const kind = columnKind(column.dataType);
  if (kind === "long") return { int: 20, frac: 0 };
  if (kind !== "decimal") return undefined;
  const m = /\((\d+)(?:,\s*(\d+))?\)/.exec(column.columnType ?? "");
  if (!m) return { int: 65, frac: 30 };
  const precision = Number(m[1]);
  const scale = Number(m[2] ?? 0);
  return { int: precision - scale, frac: scale };
}

/** A column's value as the JS path reads it, as a SQL expression of its DSL type. */
export function readColumn(column: PushdownColumn): Term {
  const name = quoteIdentifier(column.name);
  const kind = columnKind(column.dataType);
  if (kind === "long" || kind === "decimal") {
    return {
      sql: name,
      type: kind,
      nullable: column.nullable,
      digits: columnDigits(column) as { int: number; frac: number },
    };
  }
  if (kind === "string" && column.dataType !== "time") {
    // Text in utf8mb4 as JS strings hold it (no string comparison is translated: collations do not matter).
    const sql = column.charset === "utf8mb4" ? name : `CONVERT(${name} USING utf8mb4)`;
    return { sql, type: "string", nullable: column.nullable };
  }
  return unsupported();
}

/** Both conditions (SQL that is never NULL), without a TRUE that adds nothing. */
export function both(active: string, when: string): string {
  if (active === "TRUE") return when;
  if (when === "TRUE") return active;
  return `(${active}) AND ${when}`;
}

export function isExactNumber(type: EtlType): boolean {
  return type === "long" || type === "decimal";
}

export function widest(
  a: { int: number; frac: number } | undefined,
  b: { int: number; frac: number } | undefined,
): { int: number; frac: number } | undefined {
  if (!a || !b) return a ?? b;
  return { int: Math.max(a.int, b.int), frac: Math.max(a.frac, b.frac) };
}

/** Exact SQL arithmetic whose result fits DECIMAL(65): SQL and the JS Decimal give the same value. */
export function arithmetic(name: string, args: Term[], type: EtlType): Term {
  if (!isExactNumber(type) || !args.every((t) => isExactNumber(t.type) && t.digits)) return unsupported();
  const op = name === "op_sub" ? "-" : name === "op_mul" ? "*" : "+";
  let digits = args[0]?.digits as { int: number; frac: number };
  for (const t of args.slice(1)) {
    const d = t.digits as { int: number; frac: number };
    digits =
      op === "*"
        ? { int: digits.int + d.int, frac: digits.frac + d.frac }
        : { int: Math.max(digits.int, d.int) + 1, frac: Math.max(digits.frac, d.frac) };
  }
  if (digits.int + digits.frac > 65 || digits.frac > 30) return unsupported();
  return {
    sql: args.map((t) => `(${t.sql})`).join(` ${op} `),
    type,
    nullable: args.some((t) => t.nullable),
    digits,
  };
}

export function assignable(kind: ColumnKind, term: Term): boolean {
  if (kind === "string") return term.type === "string";
  if (kind === "long") return term.type === "long";
  if (kind === "decimal") return isExactNumber(term.type);
  return false;
}

/** Whether the expression depends on the row (a column, or a function that differs per call). */
export function readsRow(expr: Expr): boolean {
  switch (expr.kind) {
    case "column":
      return true;
    case "call": {
      const builtin = BUILTINS.get(expr.name);
      if (builtin?.kind === "value" && builtin.impure) return true;
      return expr.args.some((a) => readsRow(a.value));
    }
    case "ternary":
      return readsRow(expr.cond) || readsRow(expr.whenTrue) || readsRow(expr.whenFalse);
    default:
      return false;
  }
}

export function literal(value: Value, type: EtlType): string {
  if (value === null) return "NULL";
  if (type === "bool") return value ? "TRUE" : "FALSE";
  if (type === "long") return String(value);
  if (type === "decimal") return String(value);
  if (type === "string") return utf8Literal(value as string);
  // Datetimes and others are only written by the JS writer (unconditional e_set of a constant).
  return "NULL";
}

export function literalDigits(value: Value, type: EtlType): { int: number; frac: number } | undefined {
  if (value === null || !isNumeric(type) || type === "double") return undefined;
  return decimalDigits(String(value));
}
