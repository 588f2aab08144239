/**
 * A MySQL tokenizer for statements the project reads but did not write (DDL from the binlog).
 * It reads text the way the destination session does (backslash escapes on, ANSI_QUOTES off):
 * the session pins that sql_mode, so what is analysed here is what the destination executes.
 * Plain comments are skipped; executable comments (`/*!50100 ... *\/`, `/*M!100100 ... *\/`) are
 * code to MySQL and MariaDB, so their content is tokenized like the rest and marked.
 */
export type TokenKind = "word" | "quoted" | "string" | "number" | "punct" | "variable";

export interface Token {
  kind: TokenKind;
  /** Words upper-cased; quoted identifiers and strings unquoted; anything else as written. */
  value: string;
  /** Offsets of the token in the statement text ([start, end)). */
  start: number;
  end: number;
  /** Inside an executable comment. */
  executable: boolean;
  /** Parenthesis depth at the token (an opening parenthesis has the depth outside it). */
  depth: number;
}

export class TokenError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
  }
}

const WORD = /[A-Za-z0-9_$\u0080-\uFFFF]/;
const DIGITS = /^[0-9]+$/;
const NUMBER = /^(?:0x[0-9A-Fa-f]+|0b[01]+|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)$/;

/** Reads a quoted run starting at `i` (the opening quote); returns its value and the end offset. */
function readQuoted(text: string, i: number, quote: string, escapes: boolean): [string, number] {
  let value = "";
  let j = i + 1;
  for (;;) {
    if (j >= text.length) throw new TokenError(`unterminated ${quote}-quoted text`, i);
    const ch = text[j] as string;
    if (escapes && ch === "\\" && j + 1 < text.length) {
      value += ch + (text[j + 1] as string);
      j += 2;
    } else if (ch === quote) {
      if (text[j + 1] === quote) {
        value += quote;
        j += 2;
      } else return [value, j + 1];
    } else {
      value += ch;
      j++;
    }
  }
}

/** Splits a statement into tokens; throws TokenError on unterminated quotes or comments. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let depth = 0;
  let executable = false;
  const push = (kind: TokenKind, value: string, start: number, end: number) => {
    if (kind === "punct" && value === ")") depth = Math.max(0, depth - 1);
    tokens.push({ kind, value, start, end, executable, depth });
    if (kind === "punct" && value === "(") depth++;
  };
  while (i < text.length) {
    const ch = text[i] as string;
    const next = text[i + 1] ?? "";
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "#" || (ch === "-" && next === "-" && (text.charCodeAt(i + 2) || 32) <= 32)) {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end + 1;
    } else if (ch === "/" && next === "*") {
      // Whether the server reads a comment inside an executable one as a comment is not worth
      // guessing: such a statement is refused.
      if (executable) throw new TokenError("comment inside an executable comment", i);
      const marker = /^\/\*(M?!)([0-9]{5,6})?/.exec(text.slice(i, i + 10));
      if (marker) {
        executable = true;
        i += marker[0].length;
        continue;
      }
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw new TokenError("unterminated comment", i);
      i = end + 2;
    } else if (ch === "*" && next === "/" && executable) {
      executable = false;
      i += 2;
    } else if (ch === "`") {
      const [value, end] = readQuoted(text, i, "`", false);
      push("quoted", value, i, end);
      i = end;
    } else if (ch === "'" || ch === '"') {
      const [value, end] = readQuoted(text, i, ch, true);
      push("string", value, i, end);
      i = end;
    } else if (ch === "@") {
      let j = i + 1;
      while (j < text.length && (WORD.test(text[j] as string) || text[j] === "@" || text[j] === ".")) j++;
      push("variable", text.slice(i, j), i, j);
      i = j;
    } else if (WORD.test(ch) || (ch === "." && /[0-9]/.test(next) && !isNameEnd(tokens, i))) {
      let j = i;
      while (j < text.length && WORD.test(text[j] as string)) j++;
      let word = text.slice(i, j);
      // A number such as 1.5 or 1e-3 (never the digits of a name after a dot, as in db.1t).
      if ((DIGITS.test(word) || word.startsWith(".")) && !isNameEnd(tokens, i)) {
        const match = /^[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i));
        if (match && match[0].length > word.length) {
          word = match[0];
          j = i + word.length;
        }
      }
      push(NUMBER.test(word) ? "number" : "word", NUMBER.test(word) ? word : word.toUpperCase(), i, j);
      i = j;
    } else {
      const two = text.slice(i, i + 2);
      const op = ["<=", ">=", "<>", "!=", "||", "&&", ":="].includes(two) ? two : ch;
      push("punct", op, i, i + op.length);
      i += op.length;
    }
  }
  if (executable) throw new TokenError("unterminated executable comment", text.length);
  return tokens;
}

/** True when the previous token is a `.` right before `at` (the next word is part of a name). */
function isNameEnd(tokens: readonly Token[], at: number): boolean {
  const last = tokens.at(-1);
  return last?.kind === "punct" && last.value === "." && last.end === at;
}

/** The identifier a token names (a word or a quoted identifier), or undefined. */
export function identifierOf(token: Token | undefined, text: string): string | undefined {
  if (!token) return undefined;
  if (token.kind === "quoted") return token.value;
  if (token.kind === "word") return text.slice(token.start, token.end);
  return undefined;
}

export function isWord(token: Token | undefined, ...words: string[]): boolean {
  return token?.kind === "word" && words.includes(token.value);
}

export function isPunct(token: Token | undefined, value: string): boolean {
  return token?.kind === "punct" && token.value === value;
}

/**
 * The index after `[IF NOT EXISTS] name` or `[IF NOT EXISTS] db.name` starting at `i`, or
 * undefined when no name is there.
 */
export function afterObjectName(tokens: readonly Token[], i: number, text: string): number | undefined {
  let k = i;
  if (isWord(tokens[k], "IF") && isWord(tokens[k + 1], "NOT") && isWord(tokens[k + 2], "EXISTS")) k += 3;
  if (identifierOf(tokens[k], text) === undefined) return undefined;
  k++;
  if (!isPunct(tokens[k], ".")) return k;
  return identifierOf(tokens[k + 1], text) === undefined ? undefined : k + 2;
}
