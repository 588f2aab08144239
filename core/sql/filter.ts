import sqlParser from "node-sql-parser/build/mysql.js";
import { SpecError } from "../errors.ts";
import { quoteIdentifier } from "./identifiers.ts";

/**
 * WHERE filters are user text: parsed, allow-listed (columns of the table, literals, comparisons,
 * AND/OR/NOT, IN, BETWEEN, LIKE, IS NULL) and rendered again with bound values.
 */
export type FilterValue = string | number | boolean | null;
export type Operand =
  | { kind: "column"; name: string }
  | { kind: "value"; value: FilterValue; numeric?: string };
export type FilterExpr =
  | { kind: "and" | "or"; left: FilterExpr; right: FilterExpr }
  | { kind: "not"; expr: FilterExpr }
  | { kind: "compare"; op: CompareOp; left: Operand; right: Operand }
  | { kind: "in"; not: boolean; operand: Operand; list: Operand[] }
  | { kind: "between"; not: boolean; operand: Operand; low: Operand; high: Operand }
  | { kind: "like"; not: boolean; operand: Operand; pattern: Operand }
  | { kind: "isNull"; not: boolean; operand: Operand };

const COMPARE_OPS = ["=", "<>", "!=", "<", ">", "<=", ">=", "<=>"] as const;
type CompareOp = (typeof COMPARE_OPS)[number];
const NUMERIC = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const PREFIX = "SELECT * FROM t WHERE ";

type Node = Record<string, unknown> & { type?: string };

export class FilterError extends SpecError {
  constructor(
    readonly filter: string,
    readonly offset: number | undefined,
    problem: string,
  ) {
    const at = offset === undefined ? "" : ` at column ${offset + 1}`;
    super(`WHERE filter ${JSON.stringify(filter)}: ${problem}${at}`);
  }
}

const { Parser } = sqlParser as unknown as { Parser: new () => { astify(sql: string, o: object): unknown } };
const parser = new Parser();

function locate(filter: string, needle: string): number | undefined {
  const index = filter.toLowerCase().indexOf(needle.toLowerCase());
  return index >= 0 ? index : undefined;
}

/** Parses a filter and checks every column against `columns` (the table's source columns). */
export function parseFilter(filter: string, columns: readonly string[]): FilterExpr {
  let ast: unknown;
  try {
    ast = parser.astify(PREFIX + filter, { database: "MySQL" });
  } catch (error) {
    const offset = (error as { location?: { start?: { offset?: number } } }).location?.start?.offset;
    const at = offset === undefined ? undefined : Math.max(0, offset - PREFIX.length);
    throw new FilterError(filter, at, "does not parse as a SQL condition");
  }
  if (Array.isArray(ast)) {
    if (ast.length !== 1)
      throw new FilterError(filter, locate(filter, ";"), "must be a single condition (no ';')");
    ast = ast[0];
  }
  const root = ast as Node;
  const extra = ["groupby", "having", "orderby", "limit"].find(
    (k) => root[k] != null && !isEmptyLimit(root[k]),
  );
  if (extra)
    throw new FilterError(filter, undefined, `must be a condition only (found ${extra.toUpperCase()})`);
  const known = new Map(columns.map((c) => [c.toLowerCase(), c]));
  return toExpr(root.where as Node, filter, known);
}

function isEmptyLimit(value: unknown): boolean {
  const v = value as { value?: unknown[] } | null;
  return Array.isArray(v?.value) && v.value.length === 0;
}

function toExpr(node: Node, filter: string, columns: Map<string, string>): FilterExpr {
  if (node.type === "unary_expr" && String(node.operator).toUpperCase() === "NOT") {
    return { kind: "not", expr: toExpr(node.expr as Node, filter, columns) };
  }
  if (node.type !== "binary_expr") return reject(node, filter, "is not a condition");
  const op = String(node.operator).toUpperCase();
  const left = node.left as Node;
  const right = node.right as Node;
  if (op === "AND" || op === "OR") {
    return {
      kind: op === "AND" ? "and" : "or",
      left: toExpr(left, filter, columns),
      right: toExpr(right, filter, columns),
    };
  }
  if ((COMPARE_OPS as readonly string[]).includes(op)) {
    return {
      kind: "compare",
      op: op as CompareOp,
      left: toOperand(left, filter, columns),
      right: toOperand(right, filter, columns),
    };
  }
  if (op === "IN" || op === "NOT IN") {
    const list = (right.type === "expr_list" ? (right.value as Node[]) : [right]).map((n) =>
      toOperand(n, filter, columns),
    );
    return { kind: "in", not: op === "NOT IN", operand: toOperand(left, filter, columns), list };
  }
  if (op === "BETWEEN" || op === "NOT BETWEEN") {
    const [low, high] = (right.value as Node[]) ?? [];
    if (!low || !high) return reject(right, filter, "BETWEEN needs two bounds");
    return {
      kind: "between",
      not: op === "NOT BETWEEN",
      operand: toOperand(left, filter, columns),
      low: toOperand(low, filter, columns),
      high: toOperand(high, filter, columns),
    };
  }
  if (op === "LIKE" || op === "NOT LIKE") {
    return {
      kind: "like",
      not: op === "NOT LIKE",
      operand: toOperand(left, filter, columns),
      pattern: toOperand(right, filter, columns),
    };
  }
  if ((op === "IS" || op === "IS NOT") && right.type === "null") {
    return { kind: "isNull", not: op === "IS NOT", operand: toOperand(left, filter, columns) };
  }
  return reject(node, filter, `operator ${op} is not allowed (use =, <>, <, >, IN, BETWEEN, LIKE, IS NULL)`);
}

function toOperand(node: Node, filter: string, columns: Map<string, string>): Operand {
  switch (node.type) {
    case "column_ref": {
      const raw = node.column as string | { expr?: { value?: string } };
      const name = typeof raw === "string" ? raw : String(raw.expr?.value ?? "");
      if (node.table)
        return reject(node, filter, `qualified column ${String(node.table)}.${name} is not allowed`);
      const column = columns.get(name.toLowerCase());
      if (!column) {
        throw new FilterError(
          filter,
          locate(filter, name),
          `column ${name} is not a column of this table (columns: ${[...columns.values()].join(", ")})`,
        );
      }
      return { kind: "column", name: column };
    }
    case "number": {
      const text = String(node.value);
      if (!NUMERIC.test(text)) return reject(node, filter, `number ${text} is not a plain number`);
      return { kind: "value", value: Number(text), numeric: text };
    }
    case "single_quote_string":
    case "double_quote_string":
    case "string":
      return {
        kind: "value",
        value: unescapeString(String(node.value), node.type === "double_quote_string" ? '"' : "'"),
      };
    case "bool":
      return { kind: "value", value: Boolean(node.value) };
    case "null":
      return { kind: "value", value: null };
    default:
      return reject(node, filter, "is not a column or a literal");
  }
}

const ESCAPES: Record<string, string> = { "0": "\0", b: "\b", n: "\n", r: "\r", t: "\t", Z: "\x1a" };

/** The parser keeps a literal's escapes as written; MySQL reads '' and backslash escapes (\% and \_ stay). */
export function unescapeString(raw: string, quote: "'" | '"'): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] ?? "";
    const next = raw[i + 1] ?? "";
    if (ch === quote && next === quote) {
      out += quote;
      i++;
    } else if (ch === "\\" && next !== "") {
      out += next === "%" || next === "_" ? `\\${next}` : (ESCAPES[next] ?? next);
      i++;
    } else out += ch;
  }
  return out;
}

function reject(node: Node, filter: string, problem: string): never {
  const name = (node.name as { name?: { value?: string }[] } | undefined)?.name?.[0]?.value;
  if (node.type === "function" && name) {
    throw new FilterError(filter, locate(filter, name), `function ${name}() is not allowed`);
  }
  if (node.ast) throw new FilterError(filter, locate(filter, "select"), "subqueries are not allowed");
  throw new FilterError(filter, undefined, `${node.type ?? "expression"} ${problem}`);
}

/** Renders a parsed filter as SQL with `?` placeholders; `columnSql` maps a source column to SQL. */
export function renderFilter(
  expr: FilterExpr,
  columnSql: (name: string) => string = quoteIdentifier,
): { sql: string; params: FilterValue[] } {
  const params: FilterValue[] = [];
  const operand = (o: Operand): string => {
    if (o.kind === "column") return columnSql(o.name);
    if (o.numeric !== undefined) return o.numeric;
    if (o.value === null) return "NULL";
    if (typeof o.value === "boolean") return o.value ? "TRUE" : "FALSE";
    params.push(o.value);
    return "?";
  };
  const render = (e: FilterExpr): string => {
    const not = "not" in e && e.not === true ? "NOT " : "";
    switch (e.kind) {
      case "and":
      case "or":
        return `(${render(e.left)} ${e.kind.toUpperCase()} ${render(e.right)})`;
      case "not":
        return `(NOT ${render(e.expr)})`;
      case "compare":
        return `(${operand(e.left)} ${e.op} ${operand(e.right)})`;
      case "in":
        return `(${operand(e.operand)} ${not}IN (${e.list.map(operand).join(", ")}))`;
      case "between":
        return `(${operand(e.operand)} ${not}BETWEEN ${operand(e.low)} AND ${operand(e.high)})`;
      case "like":
        return `(${operand(e.operand)} ${not}LIKE ${operand(e.pattern)})`;
      case "isNull":
        return `(${operand(e.operand)} IS ${not}NULL)`;
    }
  };
  return { sql: render(expr), params };
}

/** The columns a filter reads. */
export function filterColumns(expr: FilterExpr): Set<string> {
  const out = new Set<string>();
  const visitOperand = (o: Operand) => {
    if (o.kind === "column") out.add(o.name);
  };
  const visit = (e: FilterExpr): void => {
    if (e.kind === "and" || e.kind === "or") {
      visit(e.left);
      visit(e.right);
    } else if (e.kind === "not") visit(e.expr);
    else if (e.kind === "compare") [e.left, e.right].forEach(visitOperand);
    else if (e.kind === "in") [e.operand, ...e.list].forEach(visitOperand);
    else if (e.kind === "between") [e.operand, e.low, e.high].forEach(visitOperand);
    else if (e.kind === "like") [e.operand, e.pattern].forEach(visitOperand);
    else if (e.kind === "isNull") visitOperand(e.operand);
  };
  visit(expr);
  return out;
}
