import type { Row } from "../model/row.ts";
import { setField } from "../model/row.ts";
import { type Call, type EtlProgram, type Expr, startOf } from "./ast.ts";
import { Abort, accepts, article, CONSTANTS, type ColumnInfo, expectedFor, quote } from "./compile-rules.ts";
import { Decimal } from "./decimal.ts";
import { type EtlProblem, EtlRuntimeError, type SourcePos } from "./errors.ts";
import { CONST_ENV, constantValue } from "./functions/coerce.ts";
import { BUILTINS } from "./functions/index.ts";
import type { CallContext, Env, Eval, EventCode, Target, TypedValue } from "./functions/types.ts";
import type { CompiledEtl, EtlColumn, EtlTable, Settings, SnapshotSql, SnapshotSqlRequest } from "./model.ts";
import { type PushdownHost, planSnapshotSql } from "./pushdown.ts";
import { didYouMean } from "./suggest.ts";
import { build } from "./transform.ts";
import { columnKind, columnType, describeType, type EtlType, isNumeric, widen } from "./types.ts";
import { type Fail, normLong, readerFor, toDecimal, toDouble, type Value, writerFor } from "./values.ts";
import { wallClock } from "./zones.ts";

/** Checks a script against one table and compiles it into closures, in one walk. */
class TableCompiler {
  readonly writes: string[] = [];
  canDrop = false;
  private readonly columns = new Map<string, ColumnInfo>();
  private readonly label: string;

  constructor(
    private readonly table: EtlTable,
    private readonly settings: Settings,
  ) {
    this.label = `${table.database}.${table.table}`;
    const add = (c: EtlColumn, added: boolean) => {
      if (this.columns.has(c.name)) return;
      this.columns.set(c.name, {
        name: c.name,
        dataType: c.dataType.toLowerCase(),
        columnType: c.columnType,
        charset: c.charset,
        kind: columnKind(c.dataType),
        type: columnType(c.dataType),
        added,
        generated: c.generated === true,
        nullable: added || c.nullable !== false,
      });
    };
    for (const c of table.columns) add(c, false);
    for (const c of table.addedColumns ?? []) add(c, true);
  }

  /**
   * Copies the input row before the first write. V8 clones a row fastest with a spread, but an
   * object made by spread turns slow when a key is added to it (about 40 times slower measured on
   * Node 20), so when the script can add columns to this table, build() switches to Object.assign.
   */
  readonly copier = { copy: (row: Row): Row => ({ ...row }) };

  /** A column of the table or of etl.addColumns, as the compiler knows it. */
  info(name: string): ColumnInfo | undefined {
    return this.columns.get(name);
  }

  isAdded(name: string): boolean {
    return this.columns.get(name)?.added === true;
  }

  error(at: SourcePos, message: string): never {
    throw new Abort({ line: at.line, column: at.column, message, table: this.label });
  }

  failAt(at: SourcePos, functionName: string): Fail {
    const { database, table } = this.table;
    return (reason) => {
      throw new EtlRuntimeError(reason, { functionName, line: at.line, column: at.column, database, table });
    };
  }

  private column(name: string, at: SourcePos, purpose: string): ColumnInfo {
    const column = this.columns.get(name);
    if (column) return column;
    const names = [...this.columns.keys()];
    const shown = names.slice(0, 12).map(quote).join(", ") + (names.length > 12 ? ", ..." : "");
    return this.error(
      at,
      `unknown column ${quote(name)}${didYouMean(name, names, quote)}: ${purpose} (${this.label} has ${shown || "no columns"})`,
    );
  }

  event(expr: Expr): EventCode {
    const builtin = expr.kind === "call" ? BUILTINS.get(expr.name) : undefined;
    if (expr.kind !== "call" || builtin?.kind !== "event")
      return this.error(
        startOf(expr),
        "expected an event function (e_set, e_drop, e_if, e_if_else or e_compose)",
      );
    if (builtin.name === "e_drop") this.canDrop = true;
    return builtin.compile(this.context(expr));
  }

  value(expr: Expr): TypedValue {
    switch (expr.kind) {
      case "number":
        return this.number(expr.text, expr.form, expr.pos);
      case "string": {
        const v = expr.value;
        return { type: "string", eval: () => v, constant: true, pos: expr.pos };
      }
      case "bool": {
        const v = expr.value;
        return { type: "bool", eval: () => v, constant: true, pos: expr.pos };
      }
      case "column": {
        const column = this.column(
          expr.name,
          expr.pos,
          "expected a column of the table or of etl.addColumns",
        );
        const read = readerFor(column.kind);
        const fail = this.failAt(expr.pos, quote(expr.name));
        const name = expr.name;
        return {
          type: column.type,
          eval: (env) => read(env.row[name], fail),
          constant: false,
          pos: expr.pos,
        };
      }
      case "name":
        return this.variable(expr.name, expr.pos);
      case "ternary":
        return this.ternary(expr.cond, expr.whenTrue, expr.whenFalse, startOf(expr));
      case "call":
        return this.call(expr);
    }
  }

  private number(text: string, form: "integer" | "decimal" | "double", pos: SourcePos): TypedValue {
    if (form === "integer") {
      const v = normLong(BigInt(text));
      return { type: "long", eval: () => v, constant: true, pos };
    }
    if (form === "decimal") {
      const v = Decimal.parse(text) as Decimal;
      return { type: "decimal", eval: () => v, constant: true, pos };
    }
    const v = Number(text);
    if (!Number.isFinite(v)) this.error(pos, `the number ${text} is too large for a double`);
    return { type: "double", eval: () => v, constant: true, pos };
  }

  private variable(name: string, pos: SourcePos): TypedValue {
    const constant = (v: string): TypedValue => ({ type: "string", eval: () => v, constant: true, pos });
    switch (name) {
      case "__DB__":
        return constant(this.table.database);
      case "__TB__":
        return constant(this.table.table);
      case "__OPERATION__":
        return { type: "string", eval: (env) => env.operation, constant: false, pos };
      case "__COMMIT_TIMESTAMP__": {
        const zone = this.settings.zone;
        // Rows of one transaction (and all of a full load) share it: convert once per value.
        let lastMs = Number.NaN;
        let last: Value = null;
        return {
          type: "datetime",
          eval: (env) => {
            const ms = Math.floor(env.commitMs / 1000) * 1000;
            if (ms !== lastMs) {
              last = wallClock(ms, zone, 0) ?? null;
              lastMs = ms;
            }
            return last;
          },
          constant: false,
          pos,
        };
      }
      default: {
        const v = CONSTANTS[name];
        return v === undefined ? this.error(pos, `unknown name ${name}`) : constant(v);
      }
    }
  }

  private ternary(condExpr: Expr, thenExpr: Expr, elseExpr: Expr, pos: SourcePos): TypedValue {
    const cond = this.value(condExpr);
    if (cond.type !== "bool")
      this.error(
        cond.pos,
        `the condition of (cond ? a : b) must be a bool, such as op_gt(\`id\`, 10) or \`id\` > 10; got ${describeType(cond.type)}`,
      );
    // A condition decided for this table (__TB__, __DB__): only the branch taken is compiled.
    if (cond.constant) return this.value(constantValue(cond) === true ? thenExpr : elseExpr);
    const a = this.value(thenExpr);
    const b = this.value(elseExpr);
    let type: EtlType = a.type;
    let [x, y] = [a.eval, b.eval];
    if (isNumeric(a.type) && isNumeric(b.type) && a.type !== b.type) {
      const wide = widen(a.type, b.type);
      const to = (t: TypedValue): Eval => {
        if (t.type === wide) return t.eval;
        const from = t.type;
        const inner = t.eval;
        const convert =
          wide === "decimal" ? (v: Value) => toDecimal(v, from) : (v: Value) => toDouble(v, from);
        return (env) => {
          const v = inner(env);
          return v === null ? null : convert(v);
        };
      };
      type = wide;
      [x, y] = [to(a), to(b)];
    } else if (a.type !== b.type || a.type === "json_array")
      this.error(
        b.pos,
        `both results of (cond ? a : b) must have the same type: the first is ${describeType(a.type)}, this one ${describeType(b.type)}`,
      );
    const test = cond.eval;
    return { type, eval: (env) => (test(env) === true ? x(env) : y(env)), constant: false, pos };
  }

  private call(call: Call): TypedValue {
    const builtin = BUILTINS.get(call.name);
    if (builtin?.kind !== "value") return this.error(call.pos, `${call.name} is not a value function`);
    const cx = this.context(call);
    const result = builtin.compile(cx);
    const pos = startOf(call);
    const constant = result.constant ?? (!builtin.impure && cx.allConstant());
    if (!constant) return { type: result.type, eval: result.eval, constant: false, pos };
    // Computed once, now; a failure here is a failure of every row, so it is reported now.
    let v: Value;
    try {
      v = result.eval(CONST_ENV);
    } catch (error) {
      if (error instanceof EtlRuntimeError)
        this.error(
          { line: error.line, column: error.column, offset: 0 },
          `${error.functionName}: ${error.reason}`,
        );
      throw error;
    }
    return { type: result.type, eval: () => v, constant: true, pos };
  }

  private assign(target: Target, value: TypedValue): (env: Env, v: Value) => void {
    const column = this.column(
      target.name,
      target.pos,
      "e_set writes a column of the table or one listed in etl.addColumns for it",
    );
    if (column.generated)
      this.error(
        target.pos,
        `e_set: ${quote(column.name)} is a generated column: the destination computes it`,
      );
    if (!accepts(column, value.type))
      this.error(
        value.pos,
        `e_set: ${quote(column.name)} is ${article(column.dataType)} ${column.dataType} column: expected ${expectedFor(column)}, got ${describeType(value.type)}`,
      );
    if (!this.writes.includes(column.name)) this.writes.push(column.name);
    const write = writerFor(column.kind, value.type);
    const fail = this.failAt(target.pos, "e_set");
    const name = column.name;
    const copier = this.copier;
    if (name === "__proto__")
      return (env, v) => {
        if (env.row === env.input) env.row = copier.copy(env.input);
        setField(env.row, name, write(v, fail));
      };
    return (env, v) => {
      if (env.row === env.input) env.row = copier.copy(env.input);
      env.row[name] = write(v, fail);
    };
  }

  private context(call: Call): CallContext & { allConstant(): boolean } {
    const positional = call.args.filter((a) => a.name === undefined).map((a) => a.value);
    const cache = new Map<number, TypedValue>();
    let constant = true;
    const name = call.name;
    const at = (i: number): Expr =>
      positional[i] ?? this.error(call.end, `${name}: argument ${i + 1} is missing`);
    const value = (i: number): TypedValue => {
      let typed = cache.get(i);
      if (!typed) {
        typed = this.value(at(i));
        cache.set(i, typed);
        if (!typed.constant) constant = false;
      }
      return typed;
    };
    const clock = this.settings.now;
    return {
      call,
      count: positional.length,
      timeZone: this.settings.zone,
      regexInputLimit: this.settings.regexInputLimit,
      value,
      arg: (i, accepted, expected) => {
        const typed = value(i);
        if (!accepted.includes(typed.type))
          this.error(
            typed.pos,
            `${name}: argument ${i + 1} must be ${expected}, got ${describeType(typed.type)}`,
          );
        return typed;
      },
      event: (i) => this.event(at(i)),
      named: (n) => {
        const arg = call.args.find((a) => a.name === n);
        if (!arg) return undefined;
        const typed = this.value(arg.value);
        if (!typed.constant) constant = false;
        return typed;
      },
      literal: (i) => {
        const expr = at(i);
        if (expr.kind !== "string")
          return this.error(startOf(expr), `${name}: argument ${i + 1} must be a string literal`);
        return { text: expr.value, pos: expr.pos };
      },
      target: (i) => {
        const expr = at(i);
        if (expr.kind !== "column")
          return this.error(
            startOf(expr),
            `${name}: argument ${i + 1} must be the \`column\` to set, in backticks, such as e_set(\`status\`, "done")`,
          );
        return { name: expr.name, pos: expr.pos };
      },
      assign: (target, typed) => this.assign(target, typed),
      fail: this.failAt(call.pos, name),
      error: (pos, message) => this.error(pos, message),
      now: (env) => {
        env.nowMs ??= clock();
        return env.nowMs;
      },
      allConstant: () => constant,
    };
  }
}

/** Checks and compiles a parsed script for one table; the first problem found, if any. */
export function compileTable(
  program: EtlProgram,
  table: EtlTable,
  settings: Settings,
): CompiledEtl | EtlProblem {
  const compiler = new TableCompiler(table, settings);
  try {
    const code = compiler.event(program.root);
    const added = compiler.writes.filter((name) => compiler.isAdded(name));
    // A row object made by spread turns slow when a key is added to it (see copier).
    // Object.assign would set a `__proto__` column's value as the copy's prototype.
    if (added.length > 0 && !compiler.info("__proto__"))
      compiler.copier.copy = (row) => Object.assign({}, row);
    return build(table, code, {
      writes: compiler.writes,
      added,
      canDrop: compiler.canDrop,
      snapshotSql: snapshotSqlOf(program, table, settings),
    });
  } catch (error) {
    if (error instanceof Abort) return error.problem;
    throw error;
  }
}

/** The script translated to SQL for full-load rows (pushdown.ts), with a compiler for types and constants. */
function snapshotSqlOf(program: EtlProgram, table: EtlTable, settings: Settings) {
  return (request: SnapshotSqlRequest): SnapshotSql | undefined => {
    const compiler = new TableCompiler(table, settings);
    const refuse: Fail = (reason) => {
      throw new Error(reason);
    };
    const host: PushdownHost = {
      typed: (expr) => compiler.value(expr),
      column: (name) => compiler.info(name),
      snapshotValue: (expr, commitMs) =>
        compiler.value(expr).eval({ input: {}, row: {}, operation: "INSERT", commitMs, nowMs: undefined }),
      written: (name, type, value) => {
        const column = compiler.info(name);
        if (!column) throw new Error(`no column ${name}`);
        return writerFor(column.kind, type)(value, refuse);
      },
    };
    try {
      return planSnapshotSql(program.root, host, request);
    } catch (error) {
      if (error instanceof Abort) return undefined;
      throw error;
    }
  };
}
