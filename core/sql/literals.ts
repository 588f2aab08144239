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

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL and Ctrl-Z are exactly what MySQL string literals escape.
const NEEDS_ESCAPE = /[\0\n\r\x1a'"\\]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above.
const ESCAPE = /[\0\n\r\x1a'"\\]/g;
const ESCAPED: Record<string, string> = {
  "\0": "\\0",
  "\n": "\\n",
  "\r": "\\r",
  "\x1a": "\\Z",
  "'": "\\'",
  '"': '\\"',
  "\\": "\\\\",
};

/** A quoted string literal (the session must not use NO_BACKSLASH_ESCAPES). */
export function quoteText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? `'${text.replace(ESCAPE, (c) => ESCAPED[c] ?? c)}'` : `'${text}'`;
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

/** Renders a whole row as `(v1,v2,...)`. */
export function rowRenderer(fields: readonly FieldInfo[]): (row: readonly (Buffer | null)[]) => string {
  const kinds = fields.map(literalKind);
  return (row) => {
    let out = "(";
    for (let i = 0; i < kinds.length; i++) {
      if (i > 0) out += ",";
      out += renderLiteral(kinds[i] as LiteralKind, row[i] ?? null);
    }
    return `${out})`;
  };
}
