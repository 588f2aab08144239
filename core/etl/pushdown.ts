import type { Call, Expr } from "./ast.ts";
import { BUILTINS } from "./functions/index.ts";
import type { TypedValue } from "./functions/types.ts";
import type { SnapshotSql, SnapshotSqlRequest } from "./model.ts";
import { type ColumnKind, columnKind, type EtlType, isNumeric } from "./types.ts";
import type { Value } from "./values.ts";

/**
 * The script as SQL the source evaluates for full-load rows, so snapshot rows need no work in
 * Node (bench:etl: a five-function script cost ~40% of the copy's speed when every row went
 * through JS). Only what SQL computes exactly as the JS functions do is translated:
 *
 * - e_compose, e_set, e_if, e_if_else, e_drop: columns become SQL expressions, set in turn
 *   (`IF(cond, new, old)` under a condition); a dropped row is left out by the WHERE clause;
 * - long and decimal arithmetic (op_sum, op_sub, op_mul, op_add on numbers) when the result fits
 *   DECIMAL(65): the same exact values (an overflowing BIGINT fails the query, and the chunk is
 *   copied through JS);
 * - comparisons of numbers, op_and / op_or / op_not (Kleene logic, as SQL), op_is_null;
 * - str_mask (by characters, as the JS function), op_add of strings (CONCAT, NULL if any is);
 * - str_upper / str_lower under a guard: only for text with ASCII letters alone (Unicode case
 *   rules differ between JS and the server), other rows go through JS;
 * - anything that reads no column (constants, __COMMIT_TIMESTAMP__ of the full load, __TB__):
 *   computed once by the JS functions themselves; a column every row gets the same value in is
 *   set once by the LOAD DATA statement instead of travelling in each line.
 *
 * Anything else (a function not listed, a double, a datetime read from a column) leaves the
 * table to the JS path entirely. Rows the guards exclude are read again and transformed in JS.
 */

/** What the compiler tells the translation about the table and each expression. */
export interface PushdownHost {
  /** The expression's static type and whether it is constant (compile-checked already). */
  typed(expr: Expr): TypedValue;
  column(name: string): PushdownColumn | undefined;
  /** The value of an expression that reads no column, as a full-load row would see it. */
  snapshotValue(expr: Expr, commitTimestamp: number): Value;
  /** The value as the JS writer stores it into the column (the row value e_set leaves). */
  written(column: string, type: EtlType, value: Value): unknown;
}

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
interface Term {
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

class Unsupported {}
const unsupported = (): never => {
  throw new Unsupported();
};

/** Never NULL: TRUE for NULL and for text of one byte per character. */
const asciiText = (t: Term) =>
  t.nullable
    ? `(${t.sql} IS NULL OR CHAR_LENGTH(${t.sql}) = LENGTH(${t.sql}))`
    : `CHAR_LENGTH(${t.sql}) = LENGTH(${t.sql})`;
/** A mask this long or shorter is written into the SQL as a literal (see Translation.mask). */
const MAX_MASK_LITERAL = 256;
const MAX_SQL = 60_000;

function utf8Literal(text: string): string {
  return `CONVERT(X'${Buffer.from(text, "utf8").toString("hex")}' USING utf8mb4)`;
}

function decimalDigits(text: string): { int: number; frac: number } {
  const [int = "", frac = ""] = text.replace(/^[+-]/, "").split(".");
  return { int: Math.max(1, int.replace(/^0+/, "").length), frac: frac.length };
}

function columnDigits(column: PushdownColumn): { int: number; frac: number } | undefined {
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
function readColumn(column: PushdownColumn): Term {
  const name = `\`${column.name.replaceAll("`", "``")}\``;
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

class Translation {
  private readonly current = new Map<string, Term>();
  private dropped = "FALSE";
  private readonly guards: string[] = [];

  constructor(
    private readonly host: PushdownHost,
    private readonly commitTimestamp: number,
  ) {}

  /** The column's value now: what the script set, or the source column. */
  private read(name: string): Term {
    const set = this.current.get(name);
    if (set) return set;
    const column = this.host.column(name);
    if (!column || column.added) return unsupported();
    return readColumn(column);
  }

  event(expr: Expr, active: string): void {
    if (expr.kind !== "call") throw new Unsupported();
    const args = expr.args.map((a) => (a.name === undefined ? a.value : unsupported()));
    switch (expr.name) {
      case "e_compose":
        // After an e_drop the row is dropped whatever later operations do: they only add guards.
        for (const op of args) this.event(op, active);
        return;
      case "e_drop":
        this.dropped = this.dropped === "FALSE" ? `(${active})` : `(${this.dropped}) OR (${active})`;
        return;
      case "e_set":
        for (let i = 0; i < args.length; i += 2) this.assign(args[i] as Expr, args[i + 1] as Expr, active);
        return;
      case "e_if":
        for (let i = 0; i < args.length; i += 2) {
          const when = this.condition(args[i] as Expr);
          if (when === "FALSE") continue;
          this.event(args[i + 1] as Expr, both(active, when));
        }
        return;
      case "e_if_else": {
        const when = this.condition(args[0] as Expr);
        // Both branches see the condition as it was before either ran.
        this.event(args[1] as Expr, when === "FALSE" ? "FALSE" : both(active, when));
        const otherwise = when === "TRUE" ? "FALSE" : when === "FALSE" ? active : both(active, `NOT ${when}`);
        this.event(args[2] as Expr, otherwise);
        return;
      }
      default:
        throw new Unsupported();
    }
  }

  /** A condition as SQL that is TRUE exactly when the JS test is `true` (never NULL). */
  private condition(expr: Expr): string {
    const term = this.value(expr);
    if (term.type !== "bool") return unsupported();
    if (term.constant) return term.constant.value === true ? "TRUE" : "FALSE";
    return term.nullable ? `((${term.sql}) IS TRUE)` : `(${term.sql})`;
  }

  private assign(target: Expr, valueExpr: Expr, active: string): void {
    if (target.kind !== "column") throw new Unsupported();
    const column = this.host.column(target.name);
    if (!column || column.generated) throw new Unsupported();
    const term = this.value(valueExpr);
    const kind = columnKind(column.dataType);
    if (term.constant && active === "TRUE") {
      // Rendered by the JS writer itself: exactly what the JS path writes.
      let written: unknown;
      try {
        written = this.host.written(column.name, term.type, term.constant.value);
      } catch {
        throw new Unsupported(); // the JS path reports the failure with its position
      }
      this.current.set(column.name, { ...term, field: { value: written } });
      return;
    }
    if (!assignable(kind, term)) throw new Unsupported();
    if (active === "TRUE") {
      this.current.set(column.name, {
        sql: term.sql,
        type: term.type,
        nullable: term.nullable,
        digits: term.digits,
      });
      return;
    }
    const before: Term = column.added
      ? { sql: "NULL", type: term.type, nullable: true }
      : this.read(column.name);
    if (before.field || before.type !== term.type) throw new Unsupported();
    this.current.set(column.name, {
      sql: `IF(${active}, ${term.sql}, ${before.sql})`,
      type: term.type,
      nullable: term.nullable || before.nullable,
      digits: widest(term.digits, before.digits),
    });
  }

  value(expr: Expr): Term {
    const typed = this.host.typed(expr);
    if (!readsRow(expr)) {
      const value = this.host.snapshotValue(expr, this.commitTimestamp);
      return {
        sql: literal(value, typed.type),
        type: typed.type,
        nullable: value === null,
        constant: { value },
        digits: literalDigits(value, typed.type),
      };
    }
    switch (expr.kind) {
      case "column":
        return this.read(expr.name);
      case "call":
        return this.call(expr, typed.type);
      default:
        return unsupported();
    }
  }

  private call(call: Call, type: EtlType): Term {
    const args = call.args.map((a) => (a.name === undefined ? this.value(a.value) : unsupported()));
    const [a, b] = args as [Term, Term | undefined];
    const nullable = args.some((t) => t.nullable);
    switch (call.name) {
      case "op_sum":
      case "op_add":
      case "op_sub":
      case "op_mul": {
        if (call.name === "op_add" && type === "string") {
          if (!args.every((t) => t.type === "string")) return unsupported();
          return { sql: `CONCAT(${args.map((t) => t.sql).join(", ")})`, type: "string", nullable };
        }
        return arithmetic(call.name, args, type);
      }
      case "op_eq":
      case "op_lt":
      case "op_gt":
      case "op_le":
      case "op_ge": {
        if (!b || !isExactNumber(a.type) || !isExactNumber(b.type)) return unsupported();
        const op = { op_eq: "=", op_lt: "<", op_gt: ">", op_le: "<=", op_ge: ">=" }[call.name];
        return { sql: `(${a.sql}) ${op} (${b.sql})`, type: "bool", nullable };
      }
      case "op_and":
      case "op_or":
        if (!args.every((t) => t.type === "bool")) return unsupported();
        return {
          sql: args.map((t) => `(${t.sql})`).join(call.name === "op_and" ? " AND " : " OR "),
          type: "bool",
          nullable,
        };
      case "op_not":
        return a.type === "bool" ? { sql: `NOT (${a.sql})`, type: "bool", nullable } : unsupported();
      case "op_is_null":
      case "op_is_not_null":
        return {
          sql: `(${a.sql}) IS ${call.name === "op_is_null" ? "" : "NOT "}NULL`,
          type: "bool",
          nullable: false,
        };
      case "str_upper":
      case "str_lower":
        if (a.type !== "string") return unsupported();
        this.guards.push(asciiText(a));
        return {
          sql: `${call.name === "str_upper" ? "UPPER" : "LOWER"}(${a.sql})`,
          type: "string",
          nullable: a.nullable,
        };
      case "str_mask":
        return this.mask(args);
      default:
        return unsupported();
    }
  }

  /** str_mask(s, start, end, mask) with constant start, end and mask: by characters, as the JS function. */
  private mask(args: Term[]): Term {
    const [s, start, end, maskWith] = args;
    if (s?.type !== "string" || !start?.constant || !end?.constant || !maskWith?.constant)
      return unsupported();
    const [from, to, m] = [start.constant.value, end.constant.value, maskWith.constant.value];
    if (from === null || to === null || m === null) return { sql: "NULL", type: "string", nullable: true };
    const first = Math.max(0, Number(from));
    const last = Number(to);
    if (first > last) return s;
    // INSERT() works by characters and leaves the text as it is when it starts beyond its end;
    // the characters masked are counted in the first last+1 only (not a scan of the whole text).
    const count = last - first + 1;
    const general = `INSERT(${s.sql}, ${first + 1}, ${count}, REPEAT(${maskWith.sql}, CHAR_LENGTH(LEFT(${s.sql}, ${last + 1})) - ${first}))`;
    if ((m as string).length * count > MAX_MASK_LITERAL || s.sql.length > MAX_MASK_LITERAL) {
      return { sql: general, type: "string", nullable: s.nullable };
    }
    const whole = (m as string).repeat(count);
    // Text of at least 4 bytes per masked character holds them all (utf8mb4 takes at most 4):
    // the whole mask is a literal and no character is counted (bench:etl: a third of its cost).
    return {
      sql: `IF(LENGTH(${s.sql}) >= ${4 * (last + 1)}, INSERT(${s.sql}, ${first + 1}, ${count}, ${utf8Literal(whole)}), ${general})`,
      type: "string",
      nullable: s.nullable,
    };
  }

  result(): { columns: Map<string, Term>; dropped: string; guard: string | undefined } {
    return {
      columns: this.current,
      dropped: this.dropped,
      guard: this.guards.length > 0 ? this.guards.map((g) => `(${g})`).join(" AND ") : undefined,
    };
  }
}

/** Both conditions (SQL that is never NULL), without a TRUE that adds nothing. */
function both(active: string, when: string): string {
  if (active === "TRUE") return when;
  if (when === "TRUE") return active;
  return `(${active}) AND ${when}`;
}

function isExactNumber(type: EtlType): boolean {
  return type === "long" || type === "decimal";
}

function widest(
  a: { int: number; frac: number } | undefined,
  b: { int: number; frac: number } | undefined,
): { int: number; frac: number } | undefined {
  if (!a || !b) return a ?? b;
  return { int: Math.max(a.int, b.int), frac: Math.max(a.frac, b.frac) };
}

/** Exact SQL arithmetic whose result fits DECIMAL(65): SQL and the JS Decimal give the same value. */
function arithmetic(name: string, args: Term[], type: EtlType): Term {
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

function assignable(kind: ColumnKind, term: Term): boolean {
  if (kind === "string") return term.type === "string";
  if (kind === "long") return term.type === "long";
  if (kind === "decimal") return isExactNumber(term.type);
  return false;
}

/** Whether the expression depends on the row (a column, or a function that differs per call). */
function readsRow(expr: Expr): boolean {
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

function literal(value: Value, type: EtlType): string {
  if (value === null) return "NULL";
  if (type === "bool") return value ? "TRUE" : "FALSE";
  if (type === "long") return String(value);
  if (type === "decimal") return String(value);
  if (type === "string") return utf8Literal(value as string);
  // Datetimes and others are only written by the JS writer (unconditional e_set of a constant).
  return "NULL";
}

function literalDigits(value: Value, type: EtlType): { int: number; frac: number } | undefined {
  if (value === null || !isNumeric(type) || type === "double") return undefined;
  return decimalDigits(String(value));
}

/**
 * The translation of a script for full-load rows, or undefined when part of it has no exact SQL
 * form. `fieldOf` renders a written value as the LOAD DATA field the JS path would send.
 */
export function planSnapshotSql(
  root: Expr,
  host: PushdownHost,
  request: SnapshotSqlRequest,
): SnapshotSql | undefined {
  const translation = new Translation(host, request.commitTimestamp);
  try {
    translation.event(root, "TRUE");
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  const { columns, dropped, guard } = translation.result();
  const fields: string[] = [];
  const constants: { column: string; field: string }[] = [];
  for (const target of request.written) {
    const term = columns.get(target.name);
    if (!term) {
      const column = host.column(target.name);
      if (column?.added) constants.push({ column: target.name, field: "\\N" });
      else fields.push(request.untouchedField(target.name, target.dataType));
    } else if (term.field) {
      constants.push({ column: target.name, field: request.fieldOf(target.dataType, term.field.value) });
    } else {
      fields.push(request.computedField(term.sql, term.type === "string", term.nullable));
    }
  }
  if (fields.length === 0) return undefined; // nothing read from the source: no line to send
  const line = `CONCAT(${fields.join(", X'09', ")}, X'0A')`;
  const drop = dropped === "FALSE" ? undefined : `(${dropped})`;
  if (line.length + (drop?.length ?? 0) + (guard?.length ?? 0) > MAX_SQL) return undefined;
  return { line, drop, guard, constants };
}
