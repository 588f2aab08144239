import { quoteText } from "./literals.ts";

const INTEGER = new Set(["tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year"]);
const DECIMAL = new Set(["decimal", "numeric"]);
const DIGITS = /^-?\d+(\.\d+)?$/;

/**
 * A binlog value (as @vlasky/zongji decodes it with dateStrings) as a SQL literal for its column.
 * Integers and decimals arrive as numbers or exact digit strings and are written unquoted, so a
 * BIGINT key compares exactly; floats use the shortest text that round-trips; binary is hex.
 */
export function sqlValue(value: unknown, dataType: string): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number") {
    if (Object.is(value, -0)) return "-0e0";
    return String(value);
  }
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return value ? "1" : "0";
  if (Buffer.isBuffer(value)) return value.length === 0 ? "''" : `X'${value.toString("hex")}'`;
  if (typeof value === "string") {
    if ((INTEGER.has(dataType) || DECIMAL.has(dataType)) && DIGITS.test(value)) return value;
    return quoteText(value);
  }
  return quoteText(JSON.stringify(value));
}

/**
 * sqlValue specialised for one column type, for hot loops: the common shape (text for a text
 * column, digits for a numeric one) takes one test; every other value goes through sqlValue.
 */
export function sqlValueFor(dataType: string): (value: unknown) => string {
  if (INTEGER.has(dataType) || DECIMAL.has(dataType))
    return (value) => (typeof value === "string" && DIGITS.test(value) ? value : sqlValue(value, dataType));
  return (value) => (typeof value === "string" ? quoteText(value) : sqlValue(value, dataType));
}
