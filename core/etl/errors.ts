import { FatalError, SpecError } from "../errors.ts";

/** Where a token starts in the script text: 1-based line and column, 0-based offset. */
export interface SourcePos {
  line: number;
  column: number;
  offset: number;
}

/** One thing wrong with a script, found before the task starts. */
export interface EtlProblem {
  line: number;
  column: number;
  /** What is wrong and what is expected, without the position. */
  message: string;
  /** database.table the problem was found for; absent when it holds whatever the table. */
  table?: string;
}

/** 'line 1, column 17: unknown function str_uper (did you mean str_upper?)', naming the table if any. */
export function formatProblem(problem: EtlProblem): string {
  const table = problem.table === undefined ? "" : `, table ${problem.table}`;
  return `line ${problem.line}, column ${problem.column}${table}: ${problem.message}`;
}

/**
 * The script is invalid (syntax, unknown function, arity, type, missing column): the user must edit
 * etl.script. `message` is the first problem with its position; `problems` and `details` list all.
 */
export class EtlError extends SpecError {
  readonly problems: readonly EtlProblem[];
  /** Position of the first problem. */
  readonly line: number;
  readonly column: number;

  constructor(problems: EtlProblem[]) {
    const first = problems[0] ?? { line: 1, column: 1, message: "invalid ETL script" };
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : "";
    super(`${formatProblem(first)}${more}`, { details: problems.map(formatProblem) });
    this.problems = problems.length > 0 ? problems : [first];
    this.line = first.line;
    this.column = first.column;
  }
}

/**
 * The script exceeds what the engine accepts (core/etl/limits.ts): its size, its nesting or its
 * number of nodes. Found while parsing, before any table is compiled.
 */
export class EtlLimitError extends EtlError {
  /** Which limit: the text's size, the nesting depth, or the number of nodes. */
  readonly limit: "size" | "nesting" | "nodes";

  constructor(problem: EtlProblem, limit: "size" | "nesting" | "nodes") {
    super([problem]);
    this.limit = limit;
  }
}

/**
 * A row could not be transformed (a cast of "abc" to long, a division by zero, ...): the task must
 * stop rather than write a wrong row. Carries the script position of the failing call and, when
 * known, the row's table and key.
 */
export class EtlRuntimeError extends FatalError {
  /** The function (or column) whose evaluation failed, e.g. cast_string_to_long. */
  readonly functionName: string;
  readonly line: number;
  readonly column: number;
  /** Why, without position, table or key. */
  readonly reason: string;
  readonly database: string | undefined;
  readonly table: string | undefined;
  /** Key column values of the failing row, when the caller gave the key columns. */
  readonly key: Readonly<Record<string, unknown>> | undefined;

  constructor(
    reason: string,
    where: {
      functionName: string;
      line: number;
      column: number;
      database?: string | undefined;
      table?: string | undefined;
      key?: Record<string, unknown> | undefined;
      cause?: unknown;
    },
  ) {
    const row =
      where.table === undefined
        ? ""
        : ` (row of ${where.database === undefined ? "" : `${where.database}.`}${where.table}${
            where.key === undefined ? "" : `, key ${describeKey(where.key)}`
          })`;
    super(`line ${where.line}, column ${where.column}: ${where.functionName}: ${reason}${row}`, {
      cause: where.cause,
    });
    this.functionName = where.functionName;
    this.line = where.line;
    this.column = where.column;
    this.reason = reason;
    this.database = where.database;
    this.table = where.table;
    this.key = where.key;
  }

  /** The same error, naming the failing row's key. */
  withKey(key: Record<string, unknown>): EtlRuntimeError {
    return new EtlRuntimeError(this.reason, {
      functionName: this.functionName,
      line: this.line,
      column: this.column,
      database: this.database,
      table: this.table,
      key,
      cause: this.cause,
    });
  }
}

function describeKey(key: Record<string, unknown>): string {
  return Object.entries(key)
    .map(([name, value]) => `${name}=${describeValue(value)}`)
    .join(", ");
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string")
    return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value);
  if (Buffer.isBuffer(value)) return `0x${value.subarray(0, 32).toString("hex")}`;
  return String(value);
}
