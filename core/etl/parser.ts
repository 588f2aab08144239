import {
  EmbeddedActionsParser,
  EOF,
  type IParserErrorMessageProvider,
  type IToken,
  type TokenType,
} from "chevrotain";
import type { Arg, Call, EtlProgram, Expr, NumberLit } from "./ast.ts";
import { EtlError, type EtlProblem, type SourcePos } from "./errors.ts";
import {
  Assign,
  allTokens,
  Colon,
  Column,
  Comma,
  EqEq,
  etlLexer,
  False,
  Float,
  Gt,
  GtEq,
  Identifier,
  Integer,
  LParen,
  Lt,
  LtEq,
  Minus,
  NotEq,
  Plus,
  Question,
  RParen,
  Slash,
  Star,
  StringLiteral,
  True,
  UnterminatedColumn,
  UnterminatedString,
  unquoteColumn,
  unquoteString,
} from "./lexer.ts";
import { checkScriptSize, checkTokenNesting, checkTree } from "./limits.ts";
import { resolve } from "./resolve.ts";

const EXPRESSION =
  'an expression (a function call, a `column`, a "string", a number, true/false or a variable)';

function describe(token: IToken | undefined): string {
  if (!token || token.tokenType === EOF) return "the end of the script";
  return `'${token.image}'`;
}

function label(type: TokenType): string {
  return type.LABEL ?? type.name;
}

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    if (expected === RParen && ruleName === "callOrName")
      return previous.tokenType === LParen
        ? `expected an argument or ')' but found ${describe(actual)}`
        : `expected ',' or ')' but found ${describe(actual)}`;
    if (expected === RParen) return `expected ')' to close the '(' but found ${describe(actual)}`;
    if (expected === Colon)
      return `expected ':' of the conditional (cond ? a : b) but found ${describe(actual)}`;
    return `expected ${label(expected)} but found ${describe(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected the end of the script but found ${describe(firstRedundant)}: a script is one expression (combine several with e_compose(a, b))`;
  },
  buildNoViableAltMessage({ actual }) {
    return `expected ${EXPRESSION} but found ${describe(actual[0])}`;
  },
  buildEarlyExitMessage({ actual }) {
    return `expected ${EXPRESSION} but found ${describe(actual[0])}`;
  },
};

function pos(token: IToken): SourcePos {
  return { line: token.startLine ?? 1, column: token.startColumn ?? 1, offset: token.startOffset };
}

const OPERATORS: ReadonlyMap<TokenType, string> = new Map([
  [EqEq, "op_eq"],
  [GtEq, "op_ge"],
  [LtEq, "op_le"],
  [Gt, "op_gt"],
  [Lt, "op_lt"],
  [Plus, "op_sum"],
  [Minus, "op_sub"],
  [Star, "op_mul"],
  [Slash, "op_div_true"],
]);

function binary(op: IToken, left: Expr, right: Expr): Expr {
  const at = pos(op);
  if (op.tokenType === NotEq) {
    const eq: Call = {
      kind: "call",
      name: "op_eq",
      args: [{ value: left }, { value: right }],
      pos: at,
      end: at,
      operator: "!=",
    };
    return { kind: "call", name: "op_not", args: [{ value: eq }], pos: at, end: at, operator: "!=" };
  }
  const name = OPERATORS.get(op.tokenType) ?? "op_eq";
  return {
    kind: "call",
    name,
    args: [{ value: left }, { value: right }],
    pos: at,
    end: at,
    operator: op.image,
  };
}

function negate(minus: IToken, operand: Expr): Expr {
  const at = pos(minus);
  if (operand.kind === "number" && !operand.text.startsWith("-"))
    return { ...operand, text: `-${operand.text}`, pos: at };
  const zero: NumberLit = { kind: "number", text: "0", form: "integer", pos: at };
  return {
    kind: "call",
    name: "op_sub",
    args: [{ value: zero }, { value: operand }],
    pos: at,
    end: at,
    operator: "-",
  };
}

class Grammar extends EmbeddedActionsParser {
  constructor() {
    super(allTokens, { maxLookahead: 3, recoveryEnabled: false, errorMessageProvider: messages });
    this.performSelfAnalysis();
  }

  script = this.RULE("script", (): Expr => this.SUBRULE(this.expression));

  private expression: () => Expr = this.RULE("expression", (): Expr => {
    const cond = this.SUBRULE(this.comparison);
    const branches = this.OPTION(() => {
      const question = this.CONSUME(Question);
      const whenTrue = this.SUBRULE2(this.expression);
      this.CONSUME(Colon);
      const whenFalse = this.SUBRULE3(this.expression);
      return { question, whenTrue, whenFalse };
    });
    return this.ACTION(
      (): Expr =>
        branches
          ? {
              kind: "ternary",
              cond,
              whenTrue: branches.whenTrue,
              whenFalse: branches.whenFalse,
              pos: pos(branches.question),
            }
          : cond,
    );
  });

  private comparison: () => Expr = this.RULE("comparison", (): Expr => {
    const left = this.SUBRULE(this.additive);
    const right = this.OPTION(() => {
      const op = this.OR([
        { ALT: () => this.CONSUME(EqEq) },
        { ALT: () => this.CONSUME(NotEq) },
        { ALT: () => this.CONSUME(GtEq) },
        { ALT: () => this.CONSUME(LtEq) },
        { ALT: () => this.CONSUME(Gt) },
        { ALT: () => this.CONSUME(Lt) },
      ]);
      const operand = this.SUBRULE2(this.additive);
      return { op, operand };
    });
    return this.ACTION(() => (right ? binary(right.op, left, right.operand) : left));
  });

  private additive: () => Expr = this.RULE("additive", (): Expr => {
    let left = this.SUBRULE(this.multiplicative);
    this.MANY(() => {
      const op = this.OR([{ ALT: () => this.CONSUME(Plus) }, { ALT: () => this.CONSUME(Minus) }]);
      const right = this.SUBRULE2(this.multiplicative);
      this.ACTION(() => {
        left = binary(op, left, right);
      });
    });
    return left;
  });

  private multiplicative: () => Expr = this.RULE("multiplicative", (): Expr => {
    let left = this.SUBRULE(this.unary);
    this.MANY(() => {
      const op = this.OR([{ ALT: () => this.CONSUME(Star) }, { ALT: () => this.CONSUME(Slash) }]);
      const right = this.SUBRULE2(this.unary);
      this.ACTION(() => {
        left = binary(op, left, right);
      });
    });
    return left;
  });

  private unary: () => Expr = this.RULE(
    "unary",
    (): Expr =>
      this.OR([
        {
          ALT: () => {
            const minus = this.CONSUME(Minus);
            const operand = this.SUBRULE(this.unary);
            return this.ACTION(() => negate(minus, operand));
          },
        },
        { ALT: () => this.SUBRULE(this.primary) },
      ]),
  );

  private primary: () => Expr = this.RULE(
    "primary",
    (): Expr =>
      this.OR([
        {
          ALT: () => {
            const t = this.CONSUME(Integer);
            return this.ACTION((): Expr => ({ kind: "number", text: t.image, form: "integer", pos: pos(t) }));
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(Float);
            return this.ACTION(
              (): Expr => ({
                kind: "number",
                text: t.image,
                form: /[eE]/.test(t.image) ? "double" : "decimal",
                pos: pos(t),
              }),
            );
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(StringLiteral);
            return this.ACTION((): Expr => ({ kind: "string", value: unquoteString(t.image), pos: pos(t) }));
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(True);
            return this.ACTION((): Expr => ({ kind: "bool", value: true, pos: pos(t) }));
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(False);
            return this.ACTION((): Expr => ({ kind: "bool", value: false, pos: pos(t) }));
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(Column);
            return this.ACTION((): Expr => ({ kind: "column", name: unquoteColumn(t.image), pos: pos(t) }));
          },
        },
        {
          ALT: () => {
            this.CONSUME(LParen);
            const inner = this.SUBRULE(this.expression);
            this.CONSUME(RParen);
            return inner;
          },
        },
        { ALT: () => this.SUBRULE(this.callOrName) },
      ]),
  );

  private callOrName: () => Expr = this.RULE("callOrName", (): Expr => {
    const id = this.CONSUME(Identifier);
    const call = this.OPTION(() => {
      this.CONSUME(LParen);
      const args: Arg[] = [];
      this.OPTION2(() => {
        args.push(this.SUBRULE(this.argument));
        this.MANY(() => {
          this.CONSUME(Comma);
          args.push(this.SUBRULE2(this.argument));
        });
      });
      const end = this.CONSUME(RParen);
      return { args, end };
    });
    return this.ACTION(
      (): Expr =>
        call
          ? { kind: "call", name: id.image, args: call.args, pos: pos(id), end: pos(call.end) }
          : { kind: "name", name: id.image, pos: pos(id) },
    );
  });

  private argument: () => Arg = this.RULE(
    "argument",
    (): Arg =>
      this.OR([
        {
          ALT: () => {
            const name = this.CONSUME(Identifier);
            this.CONSUME(Assign);
            const value = this.SUBRULE(this.expression);
            return this.ACTION((): Arg => ({ name: name.image, namePos: pos(name), value }));
          },
        },
        { ALT: () => ({ value: this.SUBRULE2(this.expression) }) },
      ]),
  );
}

let grammar: Grammar | undefined;

/** Where the text ends (errors at the end of the script point here). */
function endOf(text: string): SourcePos {
  const lines = text.split(/\r\n|\r|\n/);
  const last = lines[lines.length - 1] ?? "";
  return { line: lines.length, column: last.length + 1, offset: text.length };
}

const PREFIX = /^\s*script\s*:/;

/**
 * Parses a script (with or without the 'script:' prefix) and checks what does not depend on a
 * table: syntax, function and variable names, arity, named and literal arguments, and that event
 * functions (e_set, e_if, ...) and values are each where they belong. Throws EtlError.
 */
export function parseEtl(script: string): EtlProgram {
  checkScriptSize(script);
  // Blank the prefix out rather than cut it, so positions stay those of the text the user wrote.
  const text = script.replace(PREFIX, (prefix) => prefix.replace(/[^\r\n]/g, " "));
  const lexed = etlLexer.tokenize(text);
  const lexError = lexed.errors[0];
  if (lexError)
    throw new EtlError([
      { line: lexError.line ?? 1, column: lexError.column ?? 1, message: lexError.message },
    ]);
  const last = lexed.tokens[lexed.tokens.length - 1];
  if (last?.tokenType === UnterminatedString || last?.tokenType === UnterminatedColumn) {
    const message =
      last.tokenType === UnterminatedColumn
        ? "unterminated column name: expected a closing `"
        : `unterminated string: expected a closing ${last.image[0]}`;
    const at = pos(last);
    throw new EtlError([{ line: at.line, column: at.column, message }]);
  }
  // The parser recurses once per level: bound its depth before it runs.
  checkTokenNesting(lexed.tokens);
  grammar ??= new Grammar();
  grammar.input = lexed.tokens;
  let root: Expr;
  try {
    root = grammar.script();
  } catch (error) {
    grammar = undefined; // a parser interrupted mid-rule keeps a broken rule stack
    throw error;
  }
  const parseError = grammar.errors[0];
  if (parseError) {
    const token = parseError.token;
    const at = token.tokenType === EOF || Number.isNaN(token.startOffset) ? endOf(text) : pos(token);
    throw new EtlError([{ line: at.line, column: at.column, message: parseError.message }]);
  }
  checkTree(root);
  const problems: EtlProblem[] = resolve(root);
  if (problems.length > 0) throw new EtlError(problems);
  return { script, root };
}
