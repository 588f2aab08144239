/**
 * Static types of the DSL. Every expression has one, known before the task starts, so a wrong
 * argument is reported with its position instead of failing on some row.
 */
export type ScalarType = "long" | "decimal" | "double" | "string" | "bool" | "datetime";

/**
 * long: exact integer (bigint when beyond 2^53); decimal: exact fixed point (DECIMAL columns,
 * literals like 1.5); double: binary float; datetime: wall clock to the microsecond;
 * json_array: the constant list op_in takes; opaque:<data type>: a column value the DSL can only
 * copy or test for NULL (JSON, BLOB, BIT, spatial, ...).
 */
export type EtlType = ScalarType | "json_array" | `opaque:${string}`;

export const NUMERIC: ReadonlySet<EtlType> = new Set(["long", "decimal", "double"]);

export function isNumeric(type: EtlType): type is "long" | "decimal" | "double" {
  return NUMERIC.has(type);
}

/** The type both numbers convert to: double beats decimal beats long. */
export function widen(a: "long" | "decimal" | "double", b: "long" | "decimal" | "double") {
  if (a === "double" || b === "double") return "double";
  if (a === "decimal" || b === "decimal") return "decimal";
  return "long";
}

export function describeType(type: EtlType): string {
  switch (type) {
    case "long":
      return "a long (integer)";
    case "decimal":
      return "a decimal";
    case "double":
      return "a double";
    case "string":
      return "a string";
    case "bool":
      return "a bool";
    case "datetime":
      return "a datetime";
    case "json_array":
      return "a json_array";
    default:
      return `${/^[aeiou]/.test(type.slice(7)) ? "an" : "a"} ${type.slice(7)} column value`;
  }
}

/** How a column's values are read into the DSL and written back for the destination. */
export type ColumnKind = "long" | "decimal" | "double" | "string" | "datetime" | "date" | "opaque";

const KINDS: Record<string, ColumnKind> = {
  tinyint: "long",
  smallint: "long",
  mediumint: "long",
  int: "long",
  integer: "long",
  bigint: "long",
  year: "long",
  decimal: "decimal",
  numeric: "decimal",
  dec: "decimal",
  fixed: "decimal",
  float: "double",
  double: "double",
  real: "double",
  char: "string",
  varchar: "string",
  tinytext: "string",
  text: "string",
  mediumtext: "string",
  longtext: "string",
  enum: "string",
  set: "string",
  time: "string",
  datetime: "datetime",
  timestamp: "datetime",
  date: "date",
};

/** information_schema DATA_TYPE (int, varchar, datetime, ...) to its kind; unknown types are opaque. */
export function columnKind(dataType: string): ColumnKind {
  return KINDS[dataType.toLowerCase()] ?? "opaque";
}

export function columnType(dataType: string): EtlType {
  const kind = columnKind(dataType);
  if (kind === "date") return "datetime";
  if (kind === "opaque") return `opaque:${dataType.toLowerCase()}`;
  return kind;
}

/**
 * The DATA_TYPE of a declared column type: 'VARCHAR(64)' -> 'varchar', 'int unsigned' -> 'int',
 * 'DATETIME(3)' -> 'datetime', 'double precision' -> 'double'. For etl.addColumns entries.
 */
export function dataTypeOf(declaredType: string): string {
  const word = /^\s*([A-Za-z]+)/.exec(declaredType)?.[1]?.toLowerCase() ?? "";
  if (word === "bool" || word === "boolean") return "tinyint";
  if (word === "character") return /varying/i.test(declaredType) ? "varchar" : "char";
  return word;
}
