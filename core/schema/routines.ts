import type { Connection, RowDataPacket } from "mysql2/promise";
import { quoteQualified } from "../sql/identifiers.ts";

/**
 * Rewrites SHOW CREATE PROCEDURE/FUNCTION for the destination: no DEFINER (the destination
 * account owns it) and the routine created in the mapped database.
 */
export function rewriteRoutine(
  showCreate: string,
  kind: "PROCEDURE" | "FUNCTION",
  name: string,
  target: string,
): string {
  const withoutDefiner = showCreate.replace(/^CREATE\s+DEFINER=`(?:[^`]|``)*`@`(?:[^`]|``)*`\s+/i, "CREATE ");
  const header = new RegExp(
    `^CREATE\\s+(?:AGGREGATE\\s+)?${kind}\\s+(\`(?:[^\`]|\`\`)*\`|[A-Za-z0-9_$]+)`,
    "i",
  );
  return withoutDefiner.replace(header, (whole, routine: string) =>
    whole.replace(routine, quoteQualified(target, name)),
  );
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
      await destination.query(`DROP ${kind} IF EXISTS ${quoteQualified(target, name)}`);
      await destination.query(rewriteRoutine(text, kind, name, target));
    } catch (error) {
      notes.push(`${kind.toLowerCase()} ${database}.${name} not created: ${(error as Error).message}`);
    }
  }
  return notes;
}
