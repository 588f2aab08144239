import type { Call, Expr } from "./ast.ts";
import type { TypedValue } from "./functions/types.ts";
import type { SnapshotSql, SnapshotSqlRequest } from "./model.ts";
import {
  arithmetic,
  asciiText,
  assignable,
  both,
  bounded,
  isExactNumber,
  literal,
  literalDigits,
  MAX_MASK_LITERAL,
  MAX_POSITION,
  MAX_SQL,
  type PushdownColumn,
  readColumn,
  readsRow,
  type Term,
  Unsupported,
  unsupported,
  utf8Literal,
  widest,
} from "./pushdown-sql.ts";
import { columnKind, type EtlType } from "./types.ts";
import type { Value } from "./values.ts";

export type { PushdownColumn };

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
        this.dropped = bounded(this.dropped === "FALSE" ? `(${active})` : `(${this.dropped}) OR (${active})`);
        return;
      case "e_set":
        for (let i = 0; i < args.length; i += 2) this.assign(args[i] as Expr, args[i + 1] as Expr, active);
        return;
      case "e_if":
        for (let i = 0; i < args.length; i += 2) {
          const when = this.condition(args[i] as Expr);
          if (when === "FALSE") continue;
          this.event(args[i + 1] as Expr, bounded(both(active, when)));
        }
        return;
      case "e_if_else": {
        const when = this.condition(args[0] as Expr);
        // Both branches see the condition as it was before either ran.
        this.event(args[1] as Expr, when === "FALSE" ? "FALSE" : bounded(both(active, when)));
        const otherwise =
          when === "TRUE" ? "FALSE" : when === "FALSE" ? active : bounded(both(active, `NOT ${when}`));
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
      sql: bounded(`IF(${active}, ${term.sql}, ${before.sql})`),
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
      case "call": {
        const term = this.call(expr, typed.type);
        bounded(term.sql);
        return term;
      }
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
        this.guards.push(bounded(asciiText(a)));
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
    // Positions beyond the INT range would be written as 1e+30 and read back clamped by the server.
    if (first > MAX_POSITION || last > MAX_POSITION) return unsupported();
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
