import { tableKey } from "../spec/table-name.ts";
import type { EtlProgram } from "./ast.ts";
import { compileTable } from "./compile.ts";
import { EtlError, type EtlProblem } from "./errors.ts";
import { type CompiledEtl, type EtlOptions, type EtlTable, settingsOf } from "./model.ts";
import { parseEtl } from "./parser.ts";

const isProblem = (x: CompiledEtl | EtlProblem): x is EtlProblem => "message" in x;

/**
 * Compiles a script for one table: checks its columns and types, and returns the row transform.
 * Throws EtlError (with line and column) when the script does not fit the table.
 */
export function compileEtl(
  script: string | EtlProgram,
  table: EtlTable,
  options: EtlOptions = {},
): CompiledEtl {
  const program = typeof script === "string" ? parseEtl(script) : script;
  const result = compileTable(program, table, settingsOf(options));
  if (isProblem(result)) throw new EtlError([result]);
  return result;
}

/**
 * Compiles the task's script for every selected table, keyed database.table. Throws one EtlError
 * listing the problems of all tables.
 */
export function compileEtlForTables(
  script: string | EtlProgram,
  tables: readonly EtlTable[],
  options: EtlOptions = {},
): Map<string, CompiledEtl> {
  const program = typeof script === "string" ? parseEtl(script) : script;
  const settings = settingsOf(options);
  const compiled = new Map<string, CompiledEtl>();
  const problems: EtlProblem[] = [];
  for (const table of tables) {
    const result = compileTable(program, table, settings);
    if (isProblem(result)) problems.push(result);
    else compiled.set(tableKey(table.database, table.table), result);
  }
  if (problems.length > 0) throw new EtlError(merge(problems, tables.length));
  return compiled;
}

/**
 * Every problem of a script over the given tables, for precheck: syntax and names first (then
 * nothing else is checked), else one problem per table that does not fit. Empty when it is valid.
 */
export function validateEtl(
  script: string,
  tables: readonly EtlTable[],
  options: EtlOptions = {},
): EtlProblem[] {
  let program: EtlProgram;
  try {
    program = parseEtl(script);
  } catch (error) {
    if (error instanceof EtlError) return [...error.problems];
    throw error;
  }
  const settings = settingsOf(options);
  const problems: EtlProblem[] = [];
  for (const table of tables) {
    const result = compileTable(program, table, settings);
    if (isProblem(result)) problems.push(result);
  }
  return merge(problems, tables.length);
}

/** One problem per position and message; one found for every table names none. */
function merge(problems: EtlProblem[], tableCount: number): EtlProblem[] {
  const groups = new Map<string, { problem: EtlProblem; count: number }>();
  for (const p of problems) {
    const key = `${p.line}:${p.column}:${p.message}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { problem: p, count: 1 });
  }
  return [...groups.values()].map(({ problem, count }) => {
    if (count < tableCount || tableCount < 2) return problem;
    const { table: _table, ...rest } = problem;
    return rest;
  });
}
