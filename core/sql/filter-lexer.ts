import { SpecError } from "../errors.ts";

/**
 * The lexer of WHERE filters (parsed by filter.ts): it reads the text as MySQL does under its default
 * sql_mode (backslash escapes in strings, no ANSI_QUOTES) and refuses at once whatever the grammar
 * never allows (comments, variables, placeholders, prefixed strings, hex and bit literals, ...).
 */

/**
 * Limits, checked by the lexer before any parsing. A filter is a row predicate, evaluated on every
 * binlog row: 4 KiB holds ~250 conditions or an IN list of several hundred values. Conditions are
 * comparisons, IN, BETWEEN, LIKE and IS; nesting counts parentheses. Parsing, rendering and
 * evaluating recurse once per AND/OR/NOT/parenthesis, so their depth stays under a few thousand.
 */
export const MAX_FILTER_LENGTH = 4096;
export const MAX_CONDITIONS = 256;
export const MAX_NESTING = 32;

export const COMPARE_OPS = ["<=>", "<=", ">=", "<>", "!=", "<", ">", "="] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];
export const RESERVED = new Set(
  "BINARY CASE CAST COLLATE CONVERT DATE DEFAULT INTERVAL MATCH ROW TIME TIMESTAMP UNKNOWN VALUES".split(" "),
);
export const KEYWORDS = new Set("AND OR NOT IN BETWEEN LIKE ESCAPE IS NULL TRUE FALSE".split(" "));
const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uD7FF\uE000-\uFFFF]/;
const WORD = /[A-Za-z0-9_$\u0080-\uD7FF\uE000-\uFFFF]+/y;
const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const HINTS: Record<string, string> = {
  ";": "must be a single condition (no ';')",
  '"': "double-quoted text is a string or a name depending on ANSI_QUOTES: write 'strings' and `names`",
  "?": "placeholders (?) are not allowed",
  "@": "variables (@name) are not allowed",
  "#": "comments are not allowed",
  "&": "& and && are not allowed (write AND)",
  "|": "| and || are not allowed (write OR)",
  "!": "! is not allowed (write NOT)",
};
const ESCAPES: Record<string, string> = { "0": "\0", b: "\b", n: "\n", r: "\r", t: "\t", Z: "\x1a" };

export type Token = {
  type: "word" | "quoted" | "string" | "number" | "op" | "punct" | "end";
  value: string;
  offset: number;
};

/**
 * A filter the task cannot use: what is wrong, where (the 1-based column of the offending token),
 * and, for a well-formed filter dts cannot evaluate exactly as the server does, what to do instead.
 */
export class FilterError extends SpecError {
  /** The message without the fix: which filter, what is wrong, where. */
  readonly summary: string;

  constructor(
    readonly filter: string,
    readonly offset: number | undefined,
    problem: string,
    readonly fix?: string,
  ) {
    const at = offset === undefined ? "" : ` at column ${offset + 1}`;
    // A long filter is quoted by its start: the column says where the problem is.
    const quoted =
      filter.length > 120
        ? `${JSON.stringify(filter.slice(0, 100)).slice(0, -1)}..."`
        : JSON.stringify(filter);
    const summary = `WHERE filter ${quoted}: ${problem}${at}`;
    super(fix === undefined ? summary : `${summary}. ${fix.charAt(0).toUpperCase()}${fix.slice(1)}`);
    this.summary = summary;
  }
}

/** Reads the quoted run at `start`; strings with MySQL's escapes (\% and \_ keep their backslash). */
function readQuoted(filter: string, start: number, quote: string): [string, number] {
  let value = "";
  for (let i = start + 1; i < filter.length; i++) {
    const ch = filter[i] ?? "";
    if (ch === quote && filter[i + 1] === quote) value += filter[++i];
    else if (ch === quote) return [value, i + 1];
    else if (ch === "\\" && quote === "'" && i + 1 < filter.length) {
      const next = filter[++i] ?? "";
      value += next === "%" || next === "_" ? `\\${next}` : (ESCAPES[next] ?? next);
    } else value += ch;
  }
  const what = quote === "'" ? "string" : "name";
  throw new FilterError(filter, start, `the ${what} starting here is not closed`);
}

/** Splits a filter into tokens, refusing what the grammar never allows; `limits` off for own SQL. */
export function lex(filter: string, limits = true): Token[] {
  const fail = (offset: number, problem: string): never => {
    throw new FilterError(filter, offset, problem);
  };
  if (limits && filter.length > MAX_FILTER_LENGTH) {
    throw new FilterError(
      `${filter.slice(0, 40)}…`,
      undefined,
      `is longer than ${MAX_FILTER_LENGTH} characters`,
    );
  }
  const surrogate = /\p{Cs}/u.exec(filter);
  if (surrogate) fail(surrogate.index, "contains an invalid character (a lone UTF-16 surrogate)");
  const tokens: Token[] = [];
  const opens: number[] = [];
  let conditions = 0;
  let i = 0;
  const push = (type: Token["type"], length: number, value = filter.slice(i, i + length)) => {
    tokens.push({ type, value, offset: i });
    i += length;
  };
  while (i < filter.length) {
    const ch = filter[i] ?? "";
    NUMBER.lastIndex = WORD.lastIndex = i;
    const num = /[0-9.]/.test(ch) ? NUMBER.exec(filter)?.[0] : undefined;
    const word = WORD.exec(filter)?.[0];
    const after = (text: string) => filter[i + text.length] ?? "";
    const op = [...COMPARE_OPS, "-"].find((o) => filter.startsWith(o, i));
    if (/[ \t\n\r\f\v]/.test(ch)) i++;
    else if (ch === "'" || ch === "`") {
      const [value, end] = readQuoted(filter, i, ch);
      if (ch === "`" && value === "") fail(i, "an empty name `` is not allowed");
      push(ch === "'" ? "string" : "quoted", end - i, value);
    } else if (/^(--[ \t\n\r\f\v]|--$|\/\*)/.test(filter.slice(i, i + 3)))
      fail(i, "comments are not allowed");
    else if (num && !WORD_CHAR.test(after(num))) push("number", num.length);
    else if (num?.includes(".")) fail(i, `${num}${after(num)} is not a number`);
    else if (word) {
      if (/^(0x[0-9a-f]+|0b[01]+)$/i.test(word))
        fail(i, `hexadecimal and bit literals (${word}) are not allowed`);
      if (/['"]/.test(after(word))) fail(i, "prefixed strings (X'..', N'..', _charset'..') are not allowed");
      if (["IN", "BETWEEN", "LIKE", "IS"].includes(word.toUpperCase())) conditions++;
      push("word", word.length);
    } else if ("(),.".includes(ch)) {
      if (ch === "(") opens.push(i);
      if (ch === ")" && opens.pop() === undefined) fail(i, "this ) closes no (");
      if (limits && opens.length > MAX_NESTING)
        fail(i, `nests parentheses deeper than ${MAX_NESTING} levels`);
      push("punct", 1);
    } else if (op) {
      if (op !== "-") conditions++;
      push("op", op.length);
    } else {
      const char = String.fromCodePoint(filter.codePointAt(i) ?? 0);
      fail(i, HINTS[char] ?? `${char === "+" ? "arithmetic (+)" : char} is not allowed`);
    }
    if (limits && conditions > MAX_CONDITIONS) {
      fail(tokens[tokens.length - 1]?.offset ?? i, `has more than ${MAX_CONDITIONS} conditions`);
    }
  }
  if (opens.length > 0) fail(opens[opens.length - 1] ?? 0, "this ( is not closed");
  tokens.push({ type: "end", value: "", offset: filter.length });
  return tokens;
}

/** A token as error messages show it. */
export const shown = (t: Token) =>
  t.type === "word" ? t.value.toUpperCase() : t.type === "string" ? `'${t.value.slice(0, 20)}'` : t.value;
export const isParen = (t: Token) => t.type === "punct" && (t.value === "(" || t.value === ")");
