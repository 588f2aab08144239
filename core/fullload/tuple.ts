import { BINARY_TYPES, NUMERIC_TYPES, TEMPORAL_TYPES } from "../model/data-types.ts";

/**
 * The copy asks the source to render each row as a ready SQL tuple, `(1,'a',X'00ff',...)`: the
 * server formats and escapes every value (QUOTE, HEX) and Node only joins the tuples into
 * multi-row INSERTs. No value passes through a JS number or Date, and the work per row in Node
 * is one string.
 */
const TEXT = new Set(["char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set"]);

export interface TupleColumn {
  /** Quoted column name. */
  column: string;
  dataType: string;
  nullable: boolean;
  charset?: string | undefined;
}

/** One column as a SQL literal expression (NULL becomes the word NULL). */
export function literalExpression({ column, dataType, nullable, charset }: TupleColumn): string {
  const orNull = (expression: string) => (nullable ? `IFNULL(${expression}, 'NULL')` : expression);
  if (NUMERIC_TYPES.has(dataType)) return orNull(column);
  // MariaDB prints FLOAT with 6 significant digits; as a double (exact for every float) it round-trips.
  if (dataType === "float") return orNull(`${column} + 0E0`);
  if (dataType === "bit") return orNull(`CAST(${column} AS UNSIGNED)`);
  if (TEXT.has(dataType)) {
    // Text in another character set is converted (losslessly) so CONCAT never mixes collations.
    return charset === "utf8mb4" ? `QUOTE(${column})` : `QUOTE(CONVERT(${column} USING utf8mb4))`;
  }
  if (TEMPORAL_TYPES.has(dataType)) return `QUOTE(${column})`;
  if (BINARY_TYPES.has(dataType)) return `IF(${column} IS NULL, 'NULL', CONCAT('X''', HEX(${column}), ''''))`;
  // json (MySQL), inet6, uuid and other types with a text form.
  return `QUOTE(CAST(${column} AS CHAR CHARACTER SET utf8mb4))`;
}

/** The SELECT expression that yields a row as `(v1,v2,...)`. */
export function tupleExpression(columns: readonly TupleColumn[]): string {
  const parts = columns.map(literalExpression);
  return `CONCAT('(', ${parts.join(", ',', ")}, ')')`;
}
