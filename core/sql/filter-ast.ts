import type { CompareOp } from "./filter-lexer.ts";

/** The parsed form of a WHERE filter (filter.ts parses and renders it, filter-eval.ts evaluates it). */
export type FilterValue = string | number | boolean | null;
/** How a column's values compare (from its data type; "other": not modelled); undefined: by each value. */
export type ValueType = "exact" | "double" | "string" | "binary" | "temporal" | "other";
export type Operand =
  | { kind: "column"; name: string; type?: ValueType; collation?: string }
  | { kind: "string"; value: string }
  | { kind: "number"; text: string }
  | { kind: "bool"; value: boolean }
  | { kind: "null" };
export type FilterExpr =
  | { kind: "and" | "or"; left: FilterExpr; right: FilterExpr }
  | { kind: "not"; expr: FilterExpr }
  | { kind: "compare"; op: CompareOp; left: Operand; right: Operand }
  | { kind: "in"; not: boolean; operand: Operand; list: Operand[] }
  | { kind: "between"; not: boolean; operand: Operand; low: Operand; high: Operand }
  | { kind: "like"; not: boolean; operand: Operand; pattern: Operand; escape?: string }
  | { kind: "isNull"; not: boolean; operand: Operand };
export type Predicate = Exclude<FilterExpr, { kind: "and" | "or" | "not" }>;
/**
 * A column of the table; given its information_schema DATA_TYPE and COLLATION_NAME, values compare as
 * MySQL does, and conditions the evaluator cannot reproduce are refused.
 */
export interface FilterColumn {
  name: string;
  dataType?: string | undefined;
  /** The collation of a text column; undefined: not known (compared as utf8mb4_general_ci). */
  collation?: string | undefined;
  /** information_schema COLUMN_TYPE: an ENUM's values, `enum('new','paid')`. */
  columnType?: string | undefined;
}
