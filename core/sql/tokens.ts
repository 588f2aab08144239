/**
 * A MySQL tokenizer for statements the project reads but did not write (DDL from the binlog,
 * definitions from SHOW CREATE). It follows MySQL's lexer where it matters for what a statement
 * names: ASCII whitespace only, `-- ` and `#` comments (a control character or DEL after `--`),
 * numbers and names as MySQL splits them (a number glued to a name it would split, as in
 * `1e1ENGINE`, is refused), strings with backslash escapes (sessions never run with
 * NO_BACKSLASH_ESCAPES or ANSI_QUOTES). Plain comments are skipped; executable comments
 * (`/*!50100 ... *\/`, `/*M!100100 ... *\/`) are code to MySQL and MariaDB, so their content is
 * tokenized like the rest and marked. DDL that is applied is rebuilt from these tokens
 * (renderTokens), so what the destination runs is what was read here.
 */
export type TokenKind = "word" | "quoted" | "string" | "number" | "punct" | "variable";

export interface Token {
  kind: TokenKind;
  /**
   * Words with ASCII letters upper-cased (MySQL's keywords are ASCII); quoted identifiers
   * unquoted; strings decoded (escapes and doubled quotes read as MySQL reads them); anything else
   * as written.
   */
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
/** The longest number at a position: decimal with exponent, hex, binary. */
const NUMBER_AT = /0[xX][0-9A-Fa-f]+|0[bB][01]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
const SPACE = new Set([" ", "\t", "\n", "\v", "\f", "\r"]);
const OPERATORS = ["<=>", "->>", "<=", ">=", "<>", "!=", "||", "&&", ":=", "->", "<<", ">>"];
const ESCAPED: Record<string, string> = { "0": "\0", b: "\b", n: "\n", r: "\r", t: "\t", Z: "\x1a" };

/** Reads a quoted run starting at `i` (the opening quote); returns its decoded value and end offset. */
function readQuoted(text: string, i: number, quote: string, escapes: boolean): [string, number] {
  let value = "";
  let j = i + 1;
  for (;;) {
    if (j >= text.length) throw new TokenError(`unterminated ${quote}-quoted text`, i);
    const ch = text[j] as string;
    if (escapes && ch === "\\" && j + 1 < text.length) {
      const next = text[j + 1] as string;
      // MySQL keeps the backslash of \% and \_ (they are LIKE's escapes).
      value += next === "%" || next === "_" ? `\\${next}` : (ESCAPED[next] ?? next);
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

const asciiUpper = (word: string) => word.replace(/[a-z]+/g, (s) => s.toUpperCase());

/** Splits a statement into tokens; throws TokenError on text it does not read as MySQL would. */
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
    const after = text.charCodeAt(i + 2);
    if (SPACE.has(ch)) {
      i++;
    } else if (
      ch === "#" ||
      (ch === "-" && next === "-" && (Number.isNaN(after) || after <= 32 || after === 127))
    ) {
      // Servers that skip an executable comment would not end its line comment where one that runs it does.
      if (executable) throw new TokenError("line comment inside an executable comment", i);
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end + 1;
    } else if (ch === "/" && next === "*") {
      // Whether the server reads a comment inside an executable one as a comment is not worth
      // guessing: such a statement is refused.
      if (executable) throw new TokenError("comment inside an executable comment", i);
      // MySQL reads a six-digit version only when a space follows it.
      const marker = /^\/\*(M?!)([0-9]{6}(?=[ \t\n\r])|[0-9]{5})?/.exec(text.slice(i, i + 11));
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
      i = readWordOrNumber(text, i, tokens, push);
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i)) ?? ch;
      push("punct", op, i, i + op.length);
      i += op.length;
    }
  }
  if (executable) throw new TokenError("unterminated executable comment", text.length);
  return tokens;
}

/**
 * A name or a number at `i`; returns the offset after it. After a name's dot everything is a name
 * (db.1t). A run of digits glued to letters is a name (1abc), as in MySQL; a number with a point,
 * an exponent or a 0x/0b prefix glued to letters (1e1ENGINE) MySQL splits into two tokens: refused.
 */
function readWordOrNumber(
  text: string,
  i: number,
  tokens: readonly Token[],
  push: (kind: TokenKind, value: string, start: number, end: number) => void,
): number {
  let j = i;
  while (j < text.length && WORD.test(text[j] as string)) j++;
  const word = text.slice(i, j);
  if (isNameEnd(tokens, i) || !/^[0-9.]/.test(text[i] as string)) {
    push("word", asciiUpper(word), i, j);
    return j;
  }
  NUMBER_AT.lastIndex = i;
  const number = NUMBER_AT.exec(text)?.[0] ?? "";
  if (/^[0-9]+$/.test(number) && word.length > number.length) {
    push("word", asciiUpper(word), i, j);
    return j;
  }
  const end = i + number.length;
  if (number === "" || (end < text.length && WORD.test(text[end] as string)))
    throw new TokenError("a number glued to a name (MySQL reads two tokens there)", i);
  push("number", number, i, end);
  return end;
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

/**
 * A statement rebuilt from its tokens: no comments (an executable comment's content is kept as
 * code), strings written back from their decoded value, tokens that touched kept together and
 * others one space apart. `replace` gives the text for a token range (a table name).
 */
export function renderTokens(
  tokens: readonly Token[],
  text: string,
  replace: (index: number) => { text: string; next: number } | undefined = () => undefined,
): string {
  let out = "";
  for (let i = 0; i < tokens.length; ) {
    const token = tokens[i] as Token;
    const previous = tokens[i - 1];
    if (previous && previous.end !== token.start) out += " ";
    const replaced = replace(i);
    if (replaced) {
      out += replaced.text;
      i = replaced.next;
      continue;
    }
    if (token.kind === "string") out += stringLiteral(token.value);
    else if (token.kind === "quoted") out += `\`${token.value.replaceAll("`", "``")}\``;
    else out += text.slice(token.start, token.end);
    i++;
  }
  return out;
}

/** A string literal for a session that reads backslash escapes (every session the project opens). */
function stringLiteral(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL and Ctrl-Z are escaped as MySQL writes them.
  return `'${value.replace(/[\\'\0\x1a]/g, (c) => ({ "\\": "\\\\", "'": "''", "\0": "\\0", "\x1a": "\\Z" })[c] ?? c)}'`;
}
