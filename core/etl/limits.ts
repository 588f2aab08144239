import type { IToken, TokenType } from "chevrotain";
import type { Expr } from "./ast.ts";
import { EtlLimitError, type SourcePos } from "./errors.ts";
import {
  Column,
  Comma,
  False,
  Float,
  Identifier,
  Integer,
  LParen,
  Minus,
  Question,
  RParen,
  StringLiteral,
  True,
} from "./lexer.ts";

/**
 * What a script may cost, checked while it is parsed so that no later stage (resolve, compile per
 * table, the SQL translation, evaluation per row) meets more than it can handle: each of those
 * walks the tree recursively, so the nesting bound is what keeps them inside the stack.
 *
 * - 64 KiB of text: real scripts are a few hundred bytes; the spec carrying the script travels as
 *   Step Functions state (256 KiB at most) and is stored in a DynamoDB item (400 KB at most), so a
 *   script several times larger than any real one still leaves the rest of the spec room.
 * - 64 levels of nesting: calls, operators, conditionals and parentheses inside one another. A
 *   script reads no deeper than a few levels; 64 keeps every recursive stage far from the stack
 *   limit (the parser alone takes ~40 frames per level) even when it runs deep inside a caller.
 * - 10,000 nodes (calls, operators, values): each runs for every row of every table, so the work
 *   per row stays bounded; e_set, e_compose, op_and and op_add take many arguments, so a long
 *   script needs width, not depth.
 */
export const MAX_SCRIPT_BYTES = 65_536;
export const MAX_NESTING = 64;
export const MAX_NODES = 10_000;

/**
 * Longest text a function builds (op_add, str_format, str_replace, str_mask): 64 Mi characters
 * (128 MiB in memory). Without it a script that doubles a column in a few dozen e_set pairs fails
 * deep in V8 ("Invalid string length") after allocating gigabytes, instead of naming the call.
 */
export const MAX_TEXT_LENGTH = 64 * 1024 * 1024;

/**
 * Largest exact number (long or decimal) arithmetic computes: 1,000 digits, far beyond DECIMAL(65)
 * and BIGINT UNSIGNED. Squaring a BIGINT in 24 e_set pairs would otherwise take 14 s per row before
 * V8 refused the BigInt.
 */
export const MAX_EXACT_DIGITS = 1_000;

/**
 * Longest regular expression, written in the script or taken from a row: 4,096 characters. RE2
 * matches in time linear in the text but proportional to the pattern's size too, so this bounds a
 * match of the longest text (regexInputLimit, 65,536 characters) to well under a second.
 */
export const MAX_PATTERN_LENGTH = 4_096;

const at = (pos: SourcePos, message: string, limit: EtlLimitError["limit"]) =>
  new EtlLimitError({ line: pos.line, column: pos.column, message }, limit);

const tokenPos = (t: IToken): SourcePos => ({
  line: t.startLine ?? 1,
  column: t.startColumn ?? 1,
  offset: t.startOffset,
});

const DEPTH_HINT =
  "flatten it: e_compose, e_set, op_and, op_or, op_add, op_sum and op_mul take many arguments";

/** Throws when the script text is longer than MAX_SCRIPT_BYTES (UTF-8). */
export function checkScriptSize(script: string): void {
  // Cheap first: no character takes more than 3 UTF-8 bytes per UTF-16 unit.
  if (script.length * 3 <= MAX_SCRIPT_BYTES) return;
  const bytes = Buffer.byteLength(script, "utf8");
  if (bytes > MAX_SCRIPT_BYTES)
    throw at(
      { line: 1, column: 1, offset: 0 },
      `the script is ${bytes.toLocaleString("en-US")} bytes long, more than the ${MAX_SCRIPT_BYTES.toLocaleString("en-US")} (64 KiB) a script may have: shorten it`,
      "size",
    );
}

/** Tokens after which a '-' subtracts (else it negates, and nests). */
const OPERAND_END: ReadonlySet<TokenType> = new Set([
  Integer,
  Float,
  StringLiteral,
  Column,
  True,
  False,
  Identifier,
  RParen,
]);

/**
 * Before the parser runs (it recurses once per level): an upper bound of its nesting from the
 * tokens alone. Parentheses (of calls and of grouping) and unary minus signs count a level each,
 * a '?' one level until the argument or group it is in ends.
 */
export function checkTokenNesting(tokens: readonly IToken[]): void {
  const ternaries: number[] = [0];
  let depth = 0;
  let unary = 0;
  let previous: IToken | undefined;
  for (const token of tokens) {
    const type = token.tokenType;
    const isUnaryMinus = type === Minus && (previous === undefined || !OPERAND_END.has(previous.tokenType));
    unary = isUnaryMinus ? unary + 1 : 0;
    if (type === LParen) {
      depth++;
      ternaries.push(0);
    } else if (type === RParen) {
      depth -= 1 + (ternaries.pop() ?? 0);
      if (ternaries.length === 0) ternaries.push(0); // unbalanced: the parser reports it
      depth = Math.max(depth, 0);
    } else if (type === Comma) {
      depth -= ternaries[ternaries.length - 1] ?? 0;
      ternaries[ternaries.length - 1] = 0;
    } else if (type === Question) {
      depth++;
      ternaries[ternaries.length - 1] = (ternaries[ternaries.length - 1] ?? 0) + 1;
    }
    if (depth + unary > MAX_NESTING)
      throw at(
        // A call's level starts at its name.
        tokenPos(type === LParen && previous?.tokenType === Identifier ? previous : token),
        `the script nests more than ${MAX_NESTING} levels deep (calls, operators, conditionals and parentheses inside one another): ${DEPTH_HINT}`,
        "nesting",
      );
    previous = token;
  }
}

/** Children of a node, in script order. */
function children(expr: Expr): Expr[] {
  if (expr.kind === "call") return expr.args.map((a) => a.value);
  if (expr.kind === "ternary") return [expr.cond, expr.whenTrue, expr.whenFalse];
  return [];
}

/**
 * After parsing, without recursion: at most MAX_NODES nodes, and at most MAX_NESTING calls
 * (operators and conditionals included) inside one another. Operator chains such as a + b + c
 * nest without parentheses, which the token check does not see.
 */
export function checkTree(root: Expr): void {
  const stack: { expr: Expr; depth: number }[] = [{ expr: root, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { expr, depth: outer } = stack.pop() as { expr: Expr; depth: number };
    nodes++;
    if (nodes > MAX_NODES)
      throw at(
        expr.pos,
        `the script has more than ${MAX_NODES.toLocaleString("en-US")} calls, operators and values: shorten it`,
        "nodes",
      );
    const depth = expr.kind === "call" || expr.kind === "ternary" ? outer + 1 : outer;
    if (depth > MAX_NESTING)
      throw at(
        expr.pos,
        `the script nests more than ${MAX_NESTING} levels deep (calls, operators, conditionals and parentheses inside one another): ${DEPTH_HINT}`,
        "nesting",
      );
    const inner = children(expr);
    for (let i = inner.length - 1; i >= 0; i--) stack.push({ expr: inner[i] as Expr, depth });
  }
}
