import { createToken, Lexer, type TokenType } from "chevrotain";

/** Tokens of the DSL. Names are case-sensitive; `label` is how messages name a token. */
export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\n\f\v\u00a0\u2028\u2029\ufeff]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  label: "a name",
});
export const True = createToken({ name: "True", pattern: /true/, longer_alt: Identifier, label: "true" });
export const False = createToken({ name: "False", pattern: /false/, longer_alt: Identifier, label: "false" });
export const Column = createToken({
  name: "Column",
  pattern: /`(?:[^`]|``)*`/,
  line_breaks: true,
  label: "a `column`",
});
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /"(?:[^"\\]|\\[\s\S])*"|'(?:[^'\\]|\\[\s\S])*'/,
  line_breaks: true,
  label: 'a "string"',
});
/**
 * A quote or backtick never closed (tried only where StringLiteral or Column failed, so it runs to
 * the end of the text): it takes the rest of the text, so the lexer stops there. Were it to fail
 * instead, the lexer would skip one character and try again, rescanning to the end each time:
 * quadratic on a long script. parseEtl reports it where it starts.
 */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\]|\\[\s\S])*\\?|'(?:[^'\\]|\\[\s\S])*\\?/,
  line_breaks: true,
  label: "an unterminated string",
});
export const UnterminatedColumn = createToken({
  name: "UnterminatedColumn",
  pattern: /`(?:[^`]|``)*/,
  line_breaks: true,
  label: "an unterminated column name",
});
export const Float = createToken({
  name: "Float",
  pattern: /\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+/,
  label: "a number",
});
export const Integer = createToken({ name: "Integer", pattern: /\d+/, label: "a number" });
export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "')'" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });
export const Question = createToken({ name: "Question", pattern: /\?/, label: "'?'" });
export const Colon = createToken({ name: "Colon", pattern: /:/, label: "':'" });
export const EqEq = createToken({ name: "EqEq", pattern: /==/, label: "'=='" });
export const NotEq = createToken({ name: "NotEq", pattern: /!=/, label: "'!='" });
export const GtEq = createToken({ name: "GtEq", pattern: />=/, label: "'>='" });
export const LtEq = createToken({ name: "LtEq", pattern: /<=/, label: "'<='" });
export const Gt = createToken({ name: "Gt", pattern: />/, label: "'>'" });
export const Lt = createToken({ name: "Lt", pattern: /</, label: "'<'" });
export const Assign = createToken({ name: "Assign", pattern: /=/, label: "'='" });
export const Plus = createToken({ name: "Plus", pattern: /\+/, label: "'+'" });
export const Minus = createToken({ name: "Minus", pattern: /-/, label: "'-'" });
export const Star = createToken({ name: "Star", pattern: /\*/, label: "'*'" });
export const Slash = createToken({ name: "Slash", pattern: /\//, label: "'/'" });

export const allTokens: TokenType[] = [
  WhiteSpace,
  Column,
  StringLiteral,
  UnterminatedString,
  UnterminatedColumn,
  Float,
  Integer,
  True,
  False,
  Identifier,
  LParen,
  RParen,
  Comma,
  Question,
  Colon,
  EqEq,
  NotEq,
  GtEq,
  LtEq,
  Gt,
  Lt,
  Assign,
  Plus,
  Minus,
  Star,
  Slash,
];

export const etlLexer = new Lexer(allTokens, {
  ensureOptimizations: false,
  positionTracking: "full",
  errorMessageProvider: {
    buildUnexpectedCharactersMessage(fullText, startOffset) {
      const ch = fullText[startOffset] ?? "";
      if (ch === '"' || ch === "'") return `unterminated string: expected a closing ${ch}`;
      if (ch === "`") return "unterminated column name: expected a closing `";
      if (ch === "!") return "unexpected '!': write op_not(...) to negate, or != to compare";
      if (ch === "&" || ch === "|") return `unexpected '${ch}': write op_and(a, b) or op_or(a, b)`;
      return `unexpected character ${JSON.stringify(ch)}: expected a function call, a \`column\`, a "string", a number or an operator`;
    },
    buildUnableToPopLexerModeMessage() {
      return "unexpected end of script";
    },
  },
});

/** The text of a string literal without quotes, with \" \' \\ \n \t \r unescaped (others kept). */
export function unquoteString(image: string): string {
  const body = image.slice(1, -1);
  return body.replace(/\\([\s\S])/g, (whole, ch: string) => {
    switch (ch) {
      case "n":
        return "\n";
      case "t":
        return "\t";
      case "r":
        return "\r";
      case "0":
        return "\0";
      case '"':
      case "'":
      case "\\":
        return ch;
      default:
        return whole;
    }
  });
}

/** The name inside backticks, with `` unescaped to `. */
export function unquoteColumn(image: string): string {
  return image.slice(1, -1).replace(/``/g, "`");
}
