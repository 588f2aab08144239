/**
 * The ETL DSL (issue 7): parse once, check against each table's columns, transform rows with
 * closures. See docs/etl.md for the language.
 */
export type { EtlProgram } from "./ast.ts";
export {
  EtlError,
  EtlLimitError,
  type EtlProblem,
  EtlRuntimeError,
  formatProblem,
  type SourcePos,
} from "./errors.ts";
export { BUILTINS as ETL_FUNCTIONS, VARIABLES as ETL_VARIABLES } from "./functions/index.ts";
export { MAX_NESTING, MAX_NODES, MAX_PATTERN_LENGTH, MAX_SCRIPT_BYTES } from "./limits.ts";
export {
  type CompiledEtl,
  DEFAULT_REGEX_INPUT_LIMIT,
  type EtlColumn,
  type EtlOptions,
  type EtlRowContext,
  type EtlTable,
} from "./model.ts";
export { parseEtl } from "./parser.ts";
export { compileEtl, compileEtlForTables, validateEtl } from "./script.ts";
export { columnKind, dataTypeOf } from "./types.ts";
