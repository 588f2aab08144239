import type { FilterColumn, FilterExpr, Operand, Predicate } from "./filter-ast.ts";
import { columnType, isPredicate, operandsOf, unmodelled } from "./filter-check.ts";
import {
  COMPARE_OPS,
  FilterError,
  isParen,
  KEYWORDS,
  lex,
  RESERVED,
  shown,
  type Token,
} from "./filter-lexer.ts";
import { quoteIdentifier } from "./identifiers.ts";

export type { FilterColumn, FilterExpr, FilterValue, Operand, Predicate, ValueType } from "./filter-ast.ts";
export { FilterError, MAX_CONDITIONS, MAX_FILTER_LENGTH, MAX_NESTING } from "./filter-lexer.ts";

/**
 * WHERE filters are user text. A strict lexer and parser of exactly the allowed grammar (columns of
 * the table, literals, comparisons, AND/OR/NOT, IN, BETWEEN, LIKE [ESCAPE], IS [NOT] NULL) read them
 * as MySQL does under its default sql_mode (backslash escapes, no ANSI_QUOTES, NOT below the
 * comparisons, AND above OR); anything else is refused with the column of the offending token. They
 * are rendered fully parenthesised, strings as `_utf8mb4 X'..'`, so the SQL means the same under any
 * sql_mode. node-sql-parser is not used: it reads `a OR b AND c` as `(a OR b) AND c`, `1e1` as a
 * column, `1E+2` as `1E + 2`, `NOT(a=1)` as a function, drops comments and rounds long decimals.
 */
type Parse = (allowValue: boolean) => FilterExpr | Operand;

const isOperand = (x: FilterExpr | Operand): x is Operand =>
  ["column", "string", "number", "bool", "null"].includes(x.kind);
/**
 * Parses a filter and checks every column against `columns` (the table's source columns). With
 * `rows` (the default) it must also evaluate on binlog rows exactly as the server evaluates it
 * (filter-check.ts); a full load alone leaves the filter to the server, so `rows: false` skips that.
 */
export function parseFilter(
  filter: string,
  columns: readonly (string | FilterColumn)[],
  options: { rows?: boolean } = {},
): FilterExpr {
  const evaluatedOnRows = options.rows ?? true;
  const tokens = lex(filter);
  const known = new Map(
    columns.map((c) => (typeof c === "string" ? { name: c } : c)).map((c) => [c.name.toLowerCase(), c]),
  );
  const at = new Map<Operand, Token>();
  let pos = 0;
  const peek = () => tokens[pos] as Token;
  const next = () => tokens[pos++] as Token;
  const is = (t: Token, ...words: string[]) => t.type === "word" && words.includes(t.value.toUpperCase());
  const punct = (t: Token, p: string) => t.type === "punct" && t.value === p;
  const fail = (t: Token, problem: string, fix?: string): never => {
    throw new FilterError(filter, t.offset, problem, fix);
  };
  const unexpected = (t: Token, expected: string): never =>
    fail(
      t,
      t.type === "end"
        ? `is incomplete (expected ${expected})`
        : `${shown(t)} is not allowed here (expected ${expected})`,
    );
  const expect = (p: string) => {
    const t = next();
    if (!punct(t, p) && !is(t, p)) unexpected(t, p);
  };
  const condition = (x: FilterExpr | Operand, t: Token): FilterExpr =>
    isOperand(x) ? fail(t, "a value alone is not a condition (compare it, e.g. x <> 0)") : x;

  const operand = (): Operand => {
    const t = next();
    let o: Operand;
    if (punct(t, "(")) {
      o = operand();
      expect(")");
      return o;
    }
    if (t.type === "string") o = { kind: "string", value: t.value };
    else if (t.type === "number") o = { kind: "number", text: t.value };
    else if (t.type === "op" && t.value === "-" && peek().type === "number")
      o = { kind: "number", text: `-${next().value}` };
    else if (is(t, "NULL")) o = { kind: "null" };
    else if (is(t, "TRUE", "FALSE")) o = { kind: "bool", value: is(t, "TRUE") };
    else if ((t.type === "word" && !KEYWORDS.has(t.value.toUpperCase())) || t.type === "quoted") {
      if (punct(peek(), "(")) fail(t, `function ${t.value}() is not allowed`);
      if (punct(peek(), "."))
        fail(t, `qualified column ${t.value}.… is not allowed (write the column alone)`);
      if (is(t, "SELECT", "EXISTS")) fail(t, "subqueries are not allowed");
      if (t.value.startsWith("_") && peek().type === "string")
        fail(t, "character set introducers are not allowed");
      const column = known.get(t.value.toLowerCase());
      if (!column && t.type === "word" && RESERVED.has(t.value.toUpperCase()))
        fail(t, `${shown(t)} is not allowed`);
      if (!column) {
        const names = [...known.values()].map((c) => c.name).join(", ");
        return fail(t, `column ${t.value} is not a column of this table (columns: ${names})`);
      }
      const type = columnType(column.dataType);
      o = { kind: "column", name: column.name };
      if (type) o.type = type;
      if (column.collation) o.collation = column.collation;
    } else return unexpected(t, "a column or a value");
    at.set(o, t);
    return o;
  };

  /** A condition reads a column, and compares only what the evaluator compares as MySQL does. */
  const checked = (e: Predicate, first: Token): Predicate => {
    if (!operandsOf(e).some((o) => o.kind === "column")) {
      fail(first, "compares values only (a condition must read a column)");
    }
    const refused = evaluatedOnRows ? unmodelled(e, (name) => known.get(name.toLowerCase())) : undefined;
    if (refused) fail(at.get(refused.operand) ?? first, refused.problem, refused.fix);
    return e;
  };

  const predicate = (allowValue: boolean): FilterExpr | Operand => {
    const first = peek();
    let left: FilterExpr | Operand;
    if (punct(first, "(")) {
      next();
      left = or(true);
      expect(")");
      if (!isOperand(left)) return left;
    } else left = operand();
    const op = COMPARE_OPS.find((o) => peek().type === "op" && peek().value === o);
    if (op) {
      next();
      return checked({ kind: "compare", op, left, right: operand() }, first);
    }
    const not = is(peek(), "NOT") && is(tokens[pos + 1] as Token, "IN", "BETWEEN", "LIKE");
    if (not) next();
    const word = next();
    if (is(word, "IN")) {
      expect("(");
      const list = [operand()];
      while (punct(peek(), ",") && next()) list.push(operand());
      expect(")");
      return checked({ kind: "in", not, operand: left, list }, first);
    }
    if (is(word, "BETWEEN")) {
      const low = operand();
      expect("AND");
      return checked({ kind: "between", not, operand: left, low, high: operand() }, first);
    }
    if (is(word, "LIKE")) {
      const like: Extract<Predicate, { kind: "like" }> = {
        kind: "like",
        not,
        operand: left,
        pattern: operand(),
      };
      if (is(peek(), "ESCAPE") && next()) {
        const e = next();
        if (e.type !== "string" || [...e.value].length !== 1) fail(e, "ESCAPE takes one character in quotes");
        like.escape = e.value;
      }
      return checked(like, first);
    }
    if (is(word, "IS")) {
      const negated = is(peek(), "NOT") && Boolean(next());
      if (!is(next(), "NULL"))
        unexpected(tokens[pos - 1] as Token, "NULL; IS TRUE/FALSE/UNKNOWN are not allowed");
      return checked({ kind: "isNull", not: negated, operand: left }, first);
    }
    pos--;
    if (allowValue) return left;
    if (word.type === "end" || is(word, "AND", "OR") || punct(word, ")")) return condition(left, first);
    return fail(word, `${shown(word)} is not allowed`);
  };
  const negation = (allowValue: boolean): FilterExpr | Operand => {
    if (!is(peek(), "NOT")) return predicate(allowValue);
    next();
    const start = peek();
    return { kind: "not", expr: condition(negation(false), start) };
  };
  const chain = (kind: "and" | "or", inner: Parse, allowValue: boolean) => {
    const start = peek();
    let left = inner(allowValue);
    while (is(peek(), kind.toUpperCase()) && next()) {
      const t = peek();
      left = { kind, left: condition(left, start), right: condition(inner(false), t) };
    }
    return left;
  };
  const and = (allowValue: boolean) => chain("and", negation, allowValue);
  const or = (allowValue: boolean): FilterExpr | Operand => chain("or", and, allowValue);

  const expr = condition(or(false), tokens[0] as Token);
  if (peek().type !== "end") fail(peek(), `${shown(peek())} is not allowed`);
  checkRepresented(filter, tokens, expr);
  return expr;
}

/**
 * Belt and braces: the parsed filter written out again must read as the very tokens the user wrote
 * (parentheses aside), so nothing was dropped, added or read differently.
 */
function checkRepresented(filter: string, tokens: Token[], expr: FilterExpr): void {
  const plain = (value: string) => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
  const again = lex(render(expr, quoteIdentifier, plain, false), false);
  const key = (t: Token) =>
    t.type === "word" && KEYWORDS.has(t.value.toUpperCase())
      ? t.value.toUpperCase()
      : `${t.type === "quoted" ? "word" : t.type}:${t.type === "string" ? t.value : t.value.toLowerCase()}`;
  const mine = tokens.filter((t) => !isParen(t));
  const theirs = again.filter((t) => !isParen(t));
  const differs = mine.findIndex((t, i) => !theirs[i] || key(t) !== key(theirs[i] as Token));
  if (differs >= 0 || mine.length !== theirs.length) {
    const t = mine[differs] ?? mine[mine.length - 1];
    throw new FilterError(filter, t?.offset, `${t ? shown(t) : "the filter"} is not fully represented`);
  }
}

/** A string literal that reads the same under any sql_mode and connection character set. */
export function stringLiteral(value: string): string {
  return value === "" ? "_utf8mb4''" : `_utf8mb4 X'${Buffer.from(value, "utf8").toString("hex")}'`;
}

function render(
  expr: FilterExpr,
  columnSql: (name: string) => string,
  text: (value: string) => string,
  explicitEscape: boolean,
): string {
  const operand = (o: Operand): string => {
    if (o.kind === "column") return columnSql(o.name);
    if (o.kind === "string") return text(o.value);
    if (o.kind === "number") return o.text;
    return o.kind === "null" ? "NULL" : o.value ? "TRUE" : "FALSE";
  };
  const visit = (e: FilterExpr): string => {
    const not = "not" in e && e.not === true ? "NOT " : "";
    switch (e.kind) {
      case "and":
      case "or":
        return `(${visit(e.left)} ${e.kind.toUpperCase()} ${visit(e.right)})`;
      case "not":
        return `(NOT ${visit(e.expr)})`;
      case "compare":
        return `(${operand(e.left)} ${e.op} ${operand(e.right)})`;
      case "in":
        return `(${operand(e.operand)} ${not}IN (${e.list.map(operand).join(", ")}))`;
      case "between":
        return `(${operand(e.operand)} ${not}BETWEEN ${operand(e.low)} AND ${operand(e.high)})`;
      case "like": {
        const escapeChar = e.escape ?? (explicitEscape ? "\\" : undefined);
        const clause = escapeChar === undefined ? "" : ` ESCAPE ${text(escapeChar)}`;
        return `(${operand(e.operand)} ${not}LIKE ${operand(e.pattern)}${clause})`;
      }
      case "isNull":
        return `(${operand(e.operand)} IS ${not}NULL)`;
    }
  };
  return visit(expr);
}

/**
 * Renders a parsed filter as SQL, every value inline as a literal that reads the same whatever the
 * session's sql_mode (LIKE always with an explicit ESCAPE, whose default depends on it too);
 * `columnSql` maps a source column to SQL.
 */
export function renderFilter(
  expr: FilterExpr,
  columnSql: (name: string) => string = quoteIdentifier,
): { sql: string } {
  return { sql: render(expr, columnSql, stringLiteral, true) };
}

/** The columns a filter reads. */
export function filterColumns(expr: FilterExpr): Set<string> {
  const out = new Set<string>();
  const visit = (e: FilterExpr): void => {
    if (isPredicate(e)) for (const o of operandsOf(e)) o.kind === "column" && out.add(o.name);
    else if (e.kind === "not") visit(e.expr);
    else if (e.kind === "and" || e.kind === "or") [e.left, e.right].forEach(visit);
  };
  visit(expr);
  return out;
}
