import { collationNamed, encodes, GENERAL_CI } from "./collation.ts";
import type { FilterColumn, FilterExpr, Operand, Predicate, ValueType } from "./filter-ast.ts";

/**
 * What the WHERE filter evaluator (filter-eval.ts) can evaluate exactly as MySQL does, given the
 * columns' data types and collations: parseFilter refuses any other condition, so that incremental
 * migration (evaluated here on binlog rows) keeps the very rows the full load (the server) selected.
 */

const TYPE_NAMES: Record<Exclude<ValueType, "other">, string> = {
  exact: "tinyint smallint mediumint int integer bigint decimal numeric year",
  double: "float double real",
  string: "char varchar tinytext text mediumtext longtext enum",
  binary: "binary varbinary tinyblob blob mediumblob longblob",
  temporal: "date datetime timestamp",
};
const TYPE_OF = new Map(
  Object.entries(TYPE_NAMES).flatMap(([type, names]) => names.split(" ").map((n) => [n, type as ValueType])),
);
/** How values of a column of this information_schema DATA_TYPE compare; undefined: by each value. */
export function columnType(dataType: string | undefined): ValueType | undefined {
  return dataType === undefined ? undefined : (TYPE_OF.get(dataType.toLowerCase()) ?? "other");
}
/** The date literals a date column may be compared with (MySQL's laxer forms are refused). */
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)?$/;

export const isPredicate = (e: FilterExpr): e is Predicate => !["and", "or", "not"].includes(e.kind);
export const operandsOf = (e: Predicate): Operand[] =>
  e.kind === "compare"
    ? [e.left, e.right]
    : e.kind === "in"
      ? [e.operand, ...e.list]
      : e.kind === "between"
        ? [e.operand, e.low, e.high]
        : e.kind === "like"
          ? [e.operand, e.pattern]
          : [e.operand];

type Refusal = { operand: Operand; problem: string; fix?: string };
type ColumnOperand = Extract<Operand, { kind: "column" }>;

/**
 * Why this condition would not evaluate here as MySQL evaluates it, given the columns' data types
 * and collations (undefined: it would); parseFilter refuses such a filter, so full load and
 * incremental agree.
 */
export function unmodelled(
  e: Predicate,
  columnOf: (column: string) => FilterColumn | undefined,
): Refusal | undefined {
  const operands = operandsOf(e);
  const dataType = (o: Operand) =>
    o.kind === "column" ? (columnOf(o.name)?.dataType?.toLowerCase() ?? "") : "";
  const find = (test: (o: Operand) => boolean, problem: string) => {
    const operand = operands.find(test);
    return operand && { operand, problem };
  };
  const typed = (type: ValueType) => (o: Operand) => o.kind === "column" && o.type === type;
  const number = (o: Operand) => o.kind === "number" || o.kind === "bool";
  const notDate = (o: Operand) =>
    o.kind === "string"
      ? !DATE_TEXT.test(o.value)
      : o.kind === "column"
        ? o.type !== "temporal"
        : o.kind !== "null";
  const positional = (o: Operand) => number(o) || (o.kind === "column" && o.type !== "string");
  if (e.kind === "isNull") return undefined;
  const other = operands.find(typed("other"));
  if (other)
    return { operand: other, problem: `a ${dataType(other)} column can only be tested with IS [NOT] NULL` };
  if (operands.some(typed("binary")) && operands.some(typed("string"))) {
    return find(
      typed("string"),
      "compares a text column with a binary one (bytes depend on the character set)",
    );
  }
  const refused =
    e.kind === "like"
      ? find(number, "LIKE compares text: quote the value")
      : operands.some((o) => dataType(o) === "enum")
        ? find(positional, "compare an ENUM column with quoted values (a number means a position)")
        : operands.some(typed("temporal"))
          ? find(notDate, "compare a date column with 'YYYY-MM-DD[ hh:mm:ss[.ffffff]]' or a date column")
          : undefined;
  return refused ?? uncollated(e, operands, columnOf);
}

const MODELLED =
  "the _general_ci and _bin collations of utf8mb4, utf8mb3 and ascii, their _nopad_ variants, " +
  "utf8mb4_0900_bin, latin1_swedish_ci, latin1_general_ci and latin1_bin";

/**
 * Strings compared under a text column's collation that the evaluator does not reproduce, under two
 * columns' different ones, or that the column's character set cannot hold (the server refuses those).
 */
function uncollated(
  e: Predicate,
  operands: Operand[],
  columnOf: (column: string) => FilterColumn | undefined,
): Refusal | undefined {
  const columns = operands.filter((o): o is ColumnOperand => o.kind === "column" && Boolean(o.collation));
  const strings = operands.filter((o) => o.kind === "string");
  const first = columns[0];
  // LIKE compares text whatever its operands (a number as its digits); others, two strings.
  const text =
    e.kind === "like" ? operands.every((o) => o.kind !== "null") : columns.length + strings.length > 1;
  if (!first?.collation || !text) return undefined;
  const unknown = columns.find((o) => !collationNamed(o.collation ?? ""));
  if (unknown) {
    const members = enumMembers(columnOf(unknown.name)?.columnType);
    if (members && matchesMembers(e, unknown, members)) return undefined;
    const instead = members
      ? "with =, <>, <=> or IN and values spelled exactly as in its ENUM definition"
      : "only with numbers or IS [NOT] NULL";
    return {
      operand: unknown,
      problem: `column ${unknown.name} uses collation ${unknown.collation}, whose text comparisons dts cannot reproduce exactly on binlog rows`,
      fix: `compare ${unknown.name} ${instead}, filter on other columns, or leave the filter out (dts compares text exactly under ${MODELLED})`,
    };
  }
  const collation = collationNamed(first.collation) ?? GENERAL_CI;
  const differs = columns.find((o) => collationNamed(o.collation ?? "") !== collation);
  if (differs) {
    return {
      operand: differs,
      problem: `compares column ${first.name} (${first.collation}) with column ${differs.name} (${differs.collation})`,
      fix: "compare each of them with values, or compare text columns of the same collation only",
    };
  }
  for (const o of strings) {
    const char = o.kind === "string" ? [...o.value].find((ch) => !encodes(collation, ch)) : undefined;
    if (char !== undefined) {
      const problem = `${char} does not exist in ${collation.charset}, the character set of column ${first.name} (the server refuses the comparison)`;
      return { operand: o, problem };
    }
  }
  return undefined;
}

/** An ENUM's values from its COLUMN_TYPE (quotes doubled; a value with a backslash left out). */
function enumMembers(columnType: string | undefined): Set<string> | undefined {
  const list = /^enum\((.*)\)$/is.exec(columnType ?? "")?.[1];
  if (list === undefined) return undefined;
  const members = [...list.matchAll(/'((?:[^']|'')*)'/g)].map((m) => (m[1] ?? "").replace(/''/g, "'"));
  return new Set(members.filter((m) => !m.includes("\\")));
}

/**
 * An ENUM column holds only its values, which its collation keeps distinct (the server refuses
 * `ENUM('a', 'A')` under a _ci collation): compared for equality with values spelled exactly as
 * defined, it equals the one it is, by code points, whatever the collation.
 */
function matchesMembers(e: Predicate, column: Operand, members: Set<string>): boolean {
  const member = (o: Operand) => o.kind === "null" || (o.kind === "string" && members.has(o.value));
  if (e.kind === "compare" && ["=", "<>", "!=", "<=>"].includes(e.op)) {
    return (e.left === column && member(e.right)) || (e.right === column && member(e.left));
  }
  return e.kind === "in" && e.operand === column && e.list.every(member);
}
