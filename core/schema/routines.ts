import type { Connection, RowDataPacket } from "mysql2/promise";
import { quoteQualified } from "../sql/identifiers.ts";
import { afterObjectName, isPunct, isWord, type Token } from "../sql/tokens.ts";
import {
  afterDefiner,
  applyEdits,
  definitionTokens,
  type Edit,
  type SqlSecurity,
  unreadable,
} from "./views.ts";

export type RoutineKind = "PROCEDURE" | "FUNCTION";

/** One routine: its kind, name, the destination database and the SQL SECURITY to create it with. */
export interface RoutineContext {
  kind: RoutineKind;
  name: string;
  target: string;
  security: SqlSecurity;
}

/** Words that start a function's body (RETURN or a compound statement); a label is `name:`. */
const BODY_START = new Set(["RETURN", "BEGIN", "IF", "CASE", "LOOP", "WHILE", "REPEAT", "FOR"]);

/** Number of tokens of the characteristic at `i` (LANGUAGE SQL, SQL SECURITY x, COMMENT '...', ...), or 0. */
function characteristicAt(tokens: readonly Token[], i: number): number {
  const t = tokens[i];
  if (isWord(t, "DETERMINISTIC")) return 1;
  if (isWord(t, "NOT") && isWord(tokens[i + 1], "DETERMINISTIC")) return 2;
  if (isWord(t, "LANGUAGE", "CONTAINS", "NO") && isWord(tokens[i + 1], "SQL")) return 2;
  if (isWord(t, "READS", "MODIFIES") && isWord(tokens[i + 1], "SQL") && isWord(tokens[i + 2], "DATA"))
    return 3;
  if (isWord(t, "SQL") && isWord(tokens[i + 1], "SECURITY") && isWord(tokens[i + 2], "DEFINER", "INVOKER"))
    return 3;
  if (isWord(t, "COMMENT") && tokens[i + 1]?.kind === "string") return 2;
  return 0;
}

/** True when a function's body starts at `i` (a compound statement, RETURN, or a label). */
function bodyStartsAt(tokens: readonly Token[], i: number): boolean {
  const t = tokens[i];
  if (isWord(t, ...BODY_START)) return true;
  return (t?.kind === "word" || t?.kind === "quoted") && isPunct(tokens[i + 1], ":");
}

/**
 * Rewrites SHOW CREATE PROCEDURE/FUNCTION for the destination: no DEFINER (the destination account
 * owns it), the routine created in the mapped database, and an explicit SQL SECURITY (INVOKER
 * unless the spec asks for DEFINER; without the clause a routine runs as its definer). The header
 * is read by tokens (name, parameter list, RETURNS type, characteristics), so text in the body or
 * in a COMMENT is never taken for a clause, and names are inserted literally.
 */
export function rewriteRoutine(showCreate: string, context: RoutineContext): string {
  const { kind, name, target } = context;
  const what = `${kind.toLowerCase()} ${target}.${name}`;
  const tokens = definitionTokens(showCreate, what);
  const fail = (at: number): never => {
    throw unreadable(what, showCreate, tokens[at]);
  };
  let i = 0;
  if (!isWord(tokens[i], "CREATE")) fail(i);
  i++;
  if (isWord(tokens[i], "DEFINER")) i = afterDefiner(tokens, i) ?? fail(i);
  const aggregate = kind === "FUNCTION" && isWord(tokens[i], "AGGREGATE");
  if (aggregate) i++;
  if (!isWord(tokens[i], kind)) fail(i);
  i++;
  i = afterObjectName(tokens, i, showCreate) ?? fail(i);
  const nameEnd = (tokens[i - 1] as Token).end;
  // The parameter list: parentheses nest (DECIMAL(8,2), ENUM('a)','b')); strings are single tokens.
  if (!isPunct(tokens[i], "(")) fail(i);
  for (let depth = 0; ; i++) {
    if (i >= tokens.length) fail(i);
    if (isPunct(tokens[i], "(")) depth++;
    if (isPunct(tokens[i], ")") && --depth === 0) break;
  }
  i++;
  if (kind === "FUNCTION") {
    if (!isWord(tokens[i], "RETURNS")) fail(i);
    i++;
    const typeStart = i;
    for (let depth = 0; i < tokens.length; i++) {
      const t = tokens[i] as Token;
      if (depth === 0 && (characteristicAt(tokens, i) > 0 || bodyStartsAt(tokens, i))) break;
      if (isPunct(t, "(")) depth++;
      else if (isPunct(t, ")")) depth--;
      else if (depth === 0 && !["word", "quoted", "number"].includes(t.kind) && !isPunct(t, ".")) fail(i);
    }
    if (i === typeStart) fail(i);
  }
  const security = `SQL SECURITY ${context.security === "definer" ? "DEFINER" : "INVOKER"}`;
  const edits: Edit[] = [
    {
      start: 0,
      end: nameEnd,
      text: `CREATE ${aggregate ? "AGGREGATE " : ""}${kind} ${quoteQualified(target, name)}`,
    },
  ];
  for (let length = characteristicAt(tokens, i); length > 0; length = characteristicAt(tokens, i)) {
    const first = tokens[i] as Token;
    if (isWord(first, "SQL")) {
      edits.push({ start: first.start, end: (tokens[i + length - 1] as Token).end, text: security });
    }
    i += length;
  }
  if (i >= tokens.length) fail(i);
  if (edits.length === 1) {
    const end = (tokens[i - 1] as Token).end;
    edits.push({ start: end, end, text: `\n    ${security}` });
  }
  return applyEdits(showCreate, edits);
}

/**
 * Copies the stored procedures and functions of a whole-database selection (as the product does:
 * only when a whole schema is selected). Each is replaced, so a re-run converges.
 */
export async function migrateRoutines(
  database: string,
  target: string,
  source: Connection,
  destination: Connection,
  security: SqlSecurity,
): Promise<string[]> {
  const [routines] = await source.query<RowDataPacket[]>(
    "SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS kind FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_NAME",
    [database],
  );
  const notes: string[] = [];
  for (const routine of routines) {
    const kind = String(routine.kind).toUpperCase() === "FUNCTION" ? "FUNCTION" : "PROCEDURE";
    const name = String(routine.name);
    const [[row]] = await source.query<RowDataPacket[]>(
      `SHOW CREATE ${kind} ${quoteQualified(database, name)}`,
    );
    const text = row?.[kind === "FUNCTION" ? "Create Function" : "Create Procedure"];
    if (typeof text !== "string") {
      notes.push(
        `${kind.toLowerCase()} ${database}.${name} not migrated: the source account cannot read its definition (grant SELECT on mysql.proc or SHOW_ROUTINE)`,
      );
      continue;
    }
    try {
      const sql = rewriteRoutine(text, { kind, name, target, security });
      await destination.query(`DROP ${kind} IF EXISTS ${quoteQualified(target, name)}`);
      await destination.query(sql);
    } catch (error) {
      notes.push(`${kind.toLowerCase()} ${database}.${name} not created: ${(error as Error).message}`);
    }
  }
  return notes;
}
