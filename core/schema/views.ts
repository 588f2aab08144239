import { FatalError } from "../errors.ts";
import type { SelectedTable } from "../spec/mapping.ts";
import { quoteIdentifier, quoteQualified } from "../sql/identifiers.ts";
import {
  afterObjectName,
  identifierOf,
  isPunct,
  isWord,
  type Token,
  TokenError,
  tokenize,
} from "../sql/tokens.ts";

/** SQL SECURITY of the views and routines created on the destination (`objects[].sqlSecurity`). */
export type SqlSecurity = "invoker" | "definer";

/** A piece of the source text replaced by new text (offsets into the source text). */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Applies edits (sorted, not overlapping) to `text` from `from` on; the text is inserted literally. */
export function applyEdits(text: string, edits: readonly Edit[], from = 0): string {
  let out = "";
  let at = from;
  for (const edit of [...edits].sort((a, b) => a.start - b.start)) {
    out += text.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + text.slice(at);
}

/** Tokens of a definition read from the source; text that does not tokenize stops the migration. */
export function definitionTokens(text: string, what: string): Token[] {
  try {
    return tokenize(text);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    throw new FatalError(`cannot read the definition of ${what} (${error.message}): ${text.slice(0, 160)}`);
  }
}

/** The error for a definition whose header does not read as expected. */
export function unreadable(what: string, text: string, token: Token | undefined): FatalError {
  return new FatalError(
    `cannot read the definition of ${what} at offset ${token?.start ?? text.length}: ${text.slice(0, 160)}`,
  );
}

/** Index after `DEFINER = user` starting at `i` (`user`, `user@host`, CURRENT_USER[()], CURRENT_ROLE). */
export function afterDefiner(tokens: readonly Token[], i: number): number | undefined {
  if (!isWord(tokens[i], "DEFINER") || !isPunct(tokens[i + 1], "=")) return undefined;
  let k = i + 2;
  if (isWord(tokens[k], "CURRENT_USER", "CURRENT_ROLE")) {
    k++;
    if (isPunct(tokens[k], "(") && isPunct(tokens[k + 1], ")")) k += 2;
    return k;
  }
  const user = tokens[k];
  if (!user || !["quoted", "string", "word"].includes(user.kind)) return undefined;
  k++;
  const at = tokens[k];
  if (at?.kind === "variable" && at.start === user.end) {
    k++;
    if (at.value !== "@") return k; // @host written without quotes
    const host = tokens[k];
    if (!host || !["quoted", "string", "word"].includes(host.kind) || host.start !== at.end) return undefined;
    k++;
  }
  return k;
}

/** Context of one view: its source database and name, its destination database, the task's tables. */
export interface ViewContext {
  database: string;
  view: string;
  target: string;
  tables: readonly SelectedTable[];
  security: SqlSecurity;
}

/**
 * Rewrites SHOW CREATE VIEW for the destination: no DEFINER (the destination account owns it), the
 * SQL SECURITY the spec asks for (INVOKER by default), CREATE OR REPLACE (idempotent), the view
 * created in the mapped database, and the qualified names in its query mapped: `db`.`table` of a
 * migrated table becomes its destination name, any other `db`. of a migrated database its
 * destination database. The text is read by tokens: string literals and comments are never
 * rewritten, and names are inserted literally.
 */
export function rewriteView(showCreate: string, context: ViewContext): string {
  const what = `view ${context.database}.${context.view}`;
  const tokens = definitionTokens(showCreate, what);
  const fail = (at: number): never => {
    throw unreadable(what, showCreate, tokens[at]);
  };
  let i = 0;
  if (!isWord(tokens[i], "CREATE")) fail(i);
  i++;
  let algorithm = "";
  for (;;) {
    if (isWord(tokens[i], "OR") && isWord(tokens[i + 1], "REPLACE")) i += 2;
    else if (isWord(tokens[i], "ALGORITHM") && isPunct(tokens[i + 1], "=")) {
      const value = tokens[i + 2];
      if (!isWord(value, "UNDEFINED", "MERGE", "TEMPTABLE")) fail(i + 2);
      algorithm = `ALGORITHM=${value?.value} `;
      i += 3;
    } else if (isWord(tokens[i], "DEFINER")) i = afterDefiner(tokens, i) ?? fail(i);
    else if (isWord(tokens[i], "SQL") && isWord(tokens[i + 1], "SECURITY")) {
      if (!isWord(tokens[i + 2], "DEFINER", "INVOKER")) fail(i + 2);
      i += 3;
    } else break;
  }
  if (!isWord(tokens[i], "VIEW")) fail(i);
  i++;
  i = afterObjectName(tokens, i, showCreate) ?? fail(i);
  const nameEnd = (tokens[i - 1] as Token).end;
  const security = context.security === "definer" ? "DEFINER" : "INVOKER";
  const head = `CREATE OR REPLACE ${algorithm}SQL SECURITY ${security} VIEW ${quoteQualified(context.target, context.view)}`;
  const edits = qualifiedNameEdits(showCreate, tokens.slice(i), context);
  return head + applyEdits(showCreate, edits, nameEnd);
}

/**
 * Edits for the qualified names of a view's query: a backtick-quoted first part of a dotted name
 * (never one after a dot) that is a migrated database, with the table after it when that is a
 * migrated table. SHOW CREATE VIEW quotes and qualifies every table, view and routine it reads.
 */
function qualifiedNameEdits(text: string, tokens: readonly Token[], context: ViewContext): Edit[] {
  const databases = new Map<string, string>();
  const tables = new Map<string, SelectedTable>();
  for (const table of context.tables) {
    if (!databases.has(table.source.database))
      databases.set(table.source.database, table.destination.database);
    tables.set(`${table.source.database}\u0000${table.source.table}`, table);
  }
  databases.set(context.database, context.target);
  const edits: Edit[] = [];
  tokens.forEach((token, k) => {
    if (token.kind !== "quoted" || isPunct(tokens[k - 1], ".") || !isPunct(tokens[k + 1], ".")) return;
    const target = databases.get(token.value);
    const next = tokens[k + 2];
    const second = identifierOf(next, text);
    if (target === undefined || next === undefined || second === undefined) return;
    const table = tables.get(`${token.value}\u0000${second}`);
    if (table) {
      const { database, table: name } = table.destination;
      edits.push({ start: token.start, end: next.end, text: quoteQualified(database, name) });
    } else edits.push({ start: token.start, end: token.end, text: quoteIdentifier(target) });
  });
  return edits;
}
