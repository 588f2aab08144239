/**
 * The ETL DSL (issue 7): parse once, check against each table's columns, transform rows with
 * closures. See docs/etl.md for the language.
 */
export type { EtlProgram } from "./ast.ts";
export {
  type CompiledEtl,
  compileEtl,
  compileEtlForTables,
  DEFAULT_REGEX_INPUT_LIMIT,
  type EtlColumn,
  type EtlOptions,
  type EtlRowContext,
  type EtlTable,
  validateEtl,
} from "./compile.ts";
export { EtlError, type EtlProblem, EtlRuntimeError, formatProblem, type SourcePos } from "./errors.ts";
export { BUILTINS as ETL_FUNCTIONS, VARIABLES as ETL_VARIABLES } from "./functions/index.ts";
export { parseEtl } from "./parser.ts";
export { columnKind, dataTypeOf } from "./types.ts";
