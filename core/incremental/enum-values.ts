/**
 * The member values of an ENUM or SET column from its INFORMATION_SCHEMA COLUMN_TYPE, when the
 * binlog's table map does not list them (binlog_row_metadata below FULL). The server writes each
 * value as a quoted literal: a quote doubled, a backslash and a few control characters escaped.
 * ENUM values may hold commas, so the list is read literal by literal, never split on ",".
 */
export function enumSetValues(columnType: string): string[] | undefined {
  const open = columnType.indexOf("(");
  if (open < 0 || !columnType.endsWith(")")) return undefined;
  const values: string[] = [];
  let at = open + 1;
  const end = columnType.length - 1;
  while (at < end) {
    if (columnType[at] !== "'") return undefined;
    let value = "";
    for (at++; ; at++) {
      if (at >= end) return undefined;
      const c = columnType[at] as string;
      if (c === "'") {
        if (columnType[at + 1] !== "'") break;
        value += "'";
        at++;
      } else if (c === "\\" && at + 1 < end) {
        at++;
        value += ESCAPED[columnType[at] as string] ?? columnType[at];
      } else value += c;
    }
    values.push(value);
    at++;
    if (at < end && columnType[at++] !== ",") return undefined;
  }
  return values;
}

/** What a backslash and the next character stand for in the server's quoted literals. */
const ESCAPED: Record<string, string> = { "0": "\u0000", n: "\n", r: "\r", Z: "\u001a", t: "\t", b: "\b" };

interface ColumnSchema {
  DATA_TYPE?: string;
  COLUMN_TYPE?: string;
  ENUM_VALUES?: string[];
  SET_VALUES?: string[];
}

/**
 * Lists the members of the ENUM and SET columns of a table map read without them: both rows
 * decoders (ZongJi's and the tailer's own) take ENUM_VALUES and SET_VALUES when present, and would
 * otherwise split COLUMN_TYPE on commas.
 */
export function completeEnumSetValues(schemas: readonly ColumnSchema[] | undefined): void {
  for (const schema of schemas ?? []) {
    const type = (schema.COLUMN_TYPE ?? "").toLowerCase();
    if (type.startsWith("enum(") && !schema.ENUM_VALUES) {
      const values = enumSetValues(schema.COLUMN_TYPE as string);
      if (values) schema.ENUM_VALUES = values;
    } else if (type.startsWith("set(") && !schema.SET_VALUES) {
      const values = enumSetValues(schema.COLUMN_TYPE as string);
      if (values) schema.SET_VALUES = values;
    }
  }
}
