import { type Token, TokenError, tokenize } from "../sql/tokens.ts";

/**
 * Column types a spec may ask for (`etl.addColumns[].type`), read by a small grammar and
 * rendered again from what was read: a type name, its length or precision, UNSIGNED/ZEROFILL,
 * ENUM/SET values, CHARACTER SET and COLLATE from an allow-list. Nothing else of the text reaches
 * the destination's ALTER TABLE or a Kafka DDL record.
 */
export type ColumnTypeResult = { ok: true; sql: string } | { ok: false; message: string };

type Args = "none" | "length" | "precision" | "fsp" | "values";
interface TypeRule {
  args: Args;
  /** The parenthesised part may be left out. */
  optional: boolean;
  /** Largest first number. */
  max: number;
  numeric?: boolean;
  text?: boolean;
}

const rule = (args: Args, optional: boolean, max: number, extra: Partial<TypeRule> = {}): TypeRule => ({
  args,
  optional,
  max,
  ...extra,
});
const integer = rule("length", true, 255, { numeric: true });
const decimal = rule("precision", true, 65, { numeric: true });
const float = rule("precision", true, 255, { numeric: true });

const TYPES: Record<string, TypeRule> = {
  TINYINT: integer,
  SMALLINT: integer,
  MEDIUMINT: integer,
  INT: integer,
  INTEGER: integer,
  BIGINT: integer,
  DECIMAL: decimal,
  NUMERIC: decimal,
  DEC: decimal,
  FIXED: decimal,
  FLOAT: float,
  DOUBLE: float,
  REAL: float,
  BIT: rule("length", true, 64),
  BOOL: rule("none", true, 0),
  BOOLEAN: rule("none", true, 0),
  DATE: rule("none", true, 0),
  YEAR: rule("length", true, 4),
  TIME: rule("fsp", true, 6),
  DATETIME: rule("fsp", true, 6),
  TIMESTAMP: rule("fsp", true, 6),
  CHAR: rule("length", true, 255, { text: true }),
  VARCHAR: rule("length", false, 65_535, { text: true }),
  BINARY: rule("length", true, 255),
  VARBINARY: rule("length", false, 65_535),
  TINYTEXT: rule("none", true, 0, { text: true }),
  TEXT: rule("length", true, 65_535, { text: true }),
  MEDIUMTEXT: rule("none", true, 0, { text: true }),
  LONGTEXT: rule("none", true, 0, { text: true }),
  TINYBLOB: rule("none", true, 0),
  BLOB: rule("length", true, 65_535),
  MEDIUMBLOB: rule("none", true, 0),
  LONGBLOB: rule("none", true, 0),
  JSON: rule("none", true, 0),
  ENUM: rule("values", false, 65_535, { text: true }),
  SET: rule("values", false, 64, { text: true }),
};

const CHARSETS = new Set(["utf8mb4", "utf8mb3", "utf8", "latin1", "ascii", "binary"]);
const COLLATION = /^([a-z0-9]+)(?:_[a-z0-9]+)+$/;
const EXAMPLES = "such as VARCHAR(64), DECIMAL(12,2), DATETIME(3) or ENUM('a','b')";

class TypeError_ extends Error {}

function fail(message: string): never {
  throw new TypeError_(message);
}

/** Reads a column type; the result's sql is the type rendered from what was read. */
export function parseColumnType(text: string): ColumnTypeResult {
  if (text.length > 4096) return { ok: false, message: "is longer than 4096 characters" };
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (error) {
    if (error instanceof TokenError)
      return { ok: false, message: `does not read as a column type (${error.message})` };
    throw error;
  }
  try {
    return { ok: true, sql: render(tokens, text) };
  } catch (error) {
    if (error instanceof TypeError_) return { ok: false, message: error.message };
    throw error;
  }
}

function render(tokens: Token[], text: string): string {
  let i = 0;
  const peek = () => tokens[i];
  const where = (t: Token | undefined) => (t ? ` at column ${t.start + 1}` : " at the end");
  const word = (...words: string[]) => {
    const t = peek();
    if (t?.kind === "word" && !t.executable && words.includes(t.value)) {
      i++;
      return t.value;
    }
    return undefined;
  };
  const punct = (value: string) => {
    const t = peek();
    if (t?.kind === "punct" && t.value === value) {
      i++;
      return true;
    }
    return false;
  };
  const number = (max: number, what: string): number => {
    const t = peek();
    if (t?.kind !== "number" || !/^[0-9]+$/.test(t.value)) fail(`expected ${what}${where(t)}`);
    const n = Number(t.value);
    if (n > max) fail(`${what} ${t.value} is over ${max}${where(t)}`);
    i++;
    return n;
  };
  const first = peek();
  const name = first?.kind === "word" && !first.executable ? first.value : undefined;
  const typeRule = name === undefined ? undefined : TYPES[name];
  if (!name || !typeRule) fail(`is not a column type ${EXAMPLES}${where(first)}`);
  i++;
  let sql = name;
  if (name === "DOUBLE" && word("PRECISION")) sql += " PRECISION";
  if (punct("(")) {
    if (typeRule.args === "none") fail(`${name} takes no length${where(tokens[i - 1])}`);
    if (typeRule.args === "values")
      sql += `(${values(
        tokens,
        () => i,
        (n) => (i = n),
        typeRule.max,
      )})`;
    else {
      const m = number(typeRule.max, typeRule.args === "fsp" ? "fractional seconds" : "a length");
      let args = String(m);
      if (typeRule.args === "precision" && punct(",")) {
        const d = number(30, "a scale");
        if (d > m) fail(`scale ${d} is larger than precision ${m}`);
        args += `,${d}`;
      }
      sql += `(${args})`;
    }
    if (!punct(")")) fail(`expected )${where(peek())}`);
  } else if (!typeRule.optional) fail(`${name} needs a length, e.g. ${name}(64)`);
  if (typeRule.numeric) {
    if (word("UNSIGNED")) sql += " UNSIGNED";
    if (word("ZEROFILL")) sql += " ZEROFILL";
  }
  if (typeRule.text) {
    if (word("CHARACTER")) {
      if (!word("SET")) fail(`expected SET after CHARACTER${where(peek())}`);
      sql += ` CHARACTER SET ${charset(peek(), text, (n) => (i += n))}`;
    } else if (word("CHARSET")) sql += ` CHARACTER SET ${charset(peek(), text, (n) => (i += n))}`;
    if (word("COLLATE")) sql += ` COLLATE ${collation(peek(), text, (n) => (i += n))}`;
  }
  if (i < tokens.length)
    fail(
      `only a type is allowed here ${EXAMPLES}; found more${where(tokens[i])} (NULL, DEFAULT and other clauses are not)`,
    );
  return sql;
}

function bareName(token: Token | undefined, text: string): string | undefined {
  if (!token || token.executable) return undefined;
  if (token.kind === "word") return text.slice(token.start, token.end).toLowerCase();
  if (token.kind === "quoted" || token.kind === "string") return token.value.toLowerCase();
  return undefined;
}

function charset(token: Token | undefined, text: string, advance: (n: number) => void): string {
  const name = bareName(token, text);
  if (name === undefined || !CHARSETS.has(name))
    fail(`character set must be one of ${[...CHARSETS].join(", ")}`);
  advance(1);
  return name;
}

function collation(token: Token | undefined, text: string, advance: (n: number) => void): string {
  const name = bareName(token, text);
  const match = name === undefined ? null : COLLATION.exec(name);
  if (!name || !match || !CHARSETS.has(match[1] ?? ""))
    fail(`collation must be a collation of ${[...CHARSETS].join(", ")}, such as utf8mb4_bin`);
  advance(1);
  return name;
}

/** ENUM/SET values: plain text in single quotes, re-quoted by doubling quotes. */
function values(tokens: Token[], at: () => number, move: (n: number) => void, max: number): string {
  const out: string[] = [];
  for (;;) {
    const t = tokens[at()];
    if (t?.kind !== "string" || t.executable)
      fail("ENUM and SET take a list of quoted values, e.g. ENUM('a','b')");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
    if (/[\\\u0000-\u001f]/.test(t.value))
      fail("ENUM and SET values may not hold backslashes or control characters");
    if (t.value.length > 255) fail("ENUM and SET values are at most 255 characters");
    out.push(`'${t.value.replaceAll("'", "''")}'`);
    move(at() + 1);
    const next = tokens[at()];
    if (next?.kind !== "punct" || next.value !== ",") break;
    move(at() + 1);
  }
  if (out.length > max) fail(`more than ${max} values`);
  return out.join(",");
}
