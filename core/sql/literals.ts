/**
 * Renders values read with mysql2's `typeCast: false` (raw bytes, as the server sent them in the
 * text protocol) straight back into SQL literals, so a value never passes through a JS number or
 * Date: integers and decimals stay digits, temporal values stay the server's text, binary stays bytes.
 */
export type LiteralKind = "raw" | "text" | "hex";

/** The parts of mysql2's column definition the renderer needs. */
export interface FieldInfo {
  name: string;
  columnType: number;
  characterSet: number;
}

const BINARY_CHARSET = 63;
const RAW_TYPES = new Set([0, 1, 2, 3, 4, 5, 8, 9, 13, 246]); // integers, decimals, float, double, year
const TEXT_TYPES = new Set([7, 10, 11, 12, 14, 17, 18, 19, 245, 247, 248]); // temporal, JSON, ENUM, SET
const HEX_TYPES = new Set([16, 255]); // BIT, GEOMETRY

export function literalKind(field: FieldInfo): LiteralKind {
  if (RAW_TYPES.has(field.columnType)) return "raw";
  if (TEXT_TYPES.has(field.columnType)) return "text";
  if (HEX_TYPES.has(field.columnType)) return "hex";
  return field.characterSet === BINARY_CHARSET ? "hex" : "text";
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL and Ctrl-Z are read differently by some clients and servers.
const NEEDS_HEX = /[\\\0\x1a]/;

/**
 * A string literal that reads the same whatever the session's sql_mode: quotes are doubled (read
 * alike with and without NO_BACKSLASH_ESCAPES), and text holding a backslash, NUL or Ctrl-Z is
 * written as hex with the utf8mb4 introducer, which compares and converts like a plain literal.
 */
export function quoteText(text: string): string {
  if (NEEDS_HEX.test(text)) return `_utf8mb4 X'${Buffer.from(text, "utf8").toString("hex")}'`;
  return text.includes("'") ? `'${text.replaceAll("'", "''")}'` : `'${text}'`;
}

export function renderLiteral(kind: LiteralKind, value: Buffer | null): string {
  if (value === null) return "NULL";
  switch (kind) {
    case "raw":
      return value.toString("latin1");
    case "text":
      return quoteText(value.toString("utf8"));
    case "hex":
      return value.length === 0 ? "''" : `X'${value.toString("hex")}'`;
  }
}

/** One bound value of a query, as a literal that reads the same whatever the session's sql_mode. */
export function valueLiteral(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") return quoteText(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot bind ${value} as a SQL value`);
    return Object.is(value, -0) ? "-0e0" : String(value);
  }
  if (Buffer.isBuffer(value)) return value.length === 0 ? "''" : `X'${value.toString("hex")}'`;
  if (Array.isArray(value))
    return value
      .map((item) => (Array.isArray(item) ? `(${valueLiteral(item)})` : valueLiteral(item)))
      .join(", ");
  throw new Error(`cannot bind a ${typeof value} as a SQL value`);
}

/**
 * Fills a statement's `?` placeholders with mode-independent literals (mysql2's own formatter
 * writes backslash escapes, which a session under NO_BACKSLASH_ESCAPES reads differently).
 * Placeholders are found as mysql2 finds them: every `?`, so statements never carry one in text.
 */
export function formatQuery(sql: string, values: readonly unknown[]): string {
  let index = 0;
  const out = sql.replace(/\?/g, () => {
    if (index >= values.length) throw new Error("more placeholders than values in a statement");
    return valueLiteral(values[index++]);
  });
  if (index !== values.length) throw new Error("more values than placeholders in a statement");
  return out;
}
