import { likeMatches } from "../sql/like.ts";
/**
 * Reads SHOW GRANTS output (MySQL 5.7/8.x, MariaDB) and answers "does this account hold privilege P
 * on db.table". Role grants are not expanded (precheck says so when it cannot find a privilege).
 */
export interface Grant {
  privileges: Set<string>;
  /** '*' for all databases; otherwise a LIKE pattern as written in the grant (\_ escapes). */
  database: string;
  /** '*' for all tables of the database. */
  table: string;
}

const ALIASES: Record<string, string> = {
  "BINLOG MONITOR": "REPLICATION CLIENT",
  "REPLICATION REPLICA": "REPLICATION SLAVE",
  "ALL PRIVILEGES": "ALL",
};

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function unquote(part: string): string {
  const t = part.trim();
  if (t.startsWith("`") && t.endsWith("`")) return t.slice(1, -1).replaceAll("``", "`");
  return t;
}

function splitObject(object: string): [string, string] {
  const match = /^((?:`(?:[^`]|``)*`)|[^.`]+)\.((?:`(?:[^`]|``)*`)|[^.`]+)$/.exec(object.trim());
  if (!match) return [unquote(object), "*"];
  return [unquote(match[1] ?? "*"), unquote(match[2] ?? "*")];
}

export function parseGrants(lines: readonly string[]): Grant[] {
  const grants: Grant[] = [];
  for (const line of lines) {
    const match =
      /^GRANT\s+(.+?)\s+ON\s+(?:(?:TABLE|FUNCTION|PROCEDURE|PACKAGE(?:\s+BODY)?)\s+)?(\S+)\s+TO\s/i.exec(
        line,
      );
    if (!match) continue;
    const privileges = new Set<string>();
    for (const raw of splitTopLevel(match[1] ?? "")) {
      if (raw.includes("(")) continue; // column-level grants do not cover whole tables
      const name = raw.toUpperCase().replace(/\s+/g, " ");
      privileges.add(ALIASES[name] ?? name);
    }
    const [database, table] = splitObject(match[2] ?? "*.*");
    grants.push({ privileges, database, table });
  }
  return grants;
}

/** MySQL's LIKE-style database patterns in grants: % and _ are wildcards, \_ and \% literal (matched in linear time). */
export function databasePatternMatches(pattern: string, database: string): boolean {
  if (pattern === "*") return true;
  // Grants name databases by their bytes, case aside: no accent folding ('café' is not 'cafe').
  return likeMatches(database.toLowerCase(), pattern.toLowerCase(), { caseInsensitive: false });
}

/** True when the grants give `privilege` on database.table (global, database or table level). */
export function holds(
  grants: readonly Grant[],
  privilege: string,
  database?: string,
  table?: string,
): boolean {
  return grants.some((g) => {
    if (!g.privileges.has(privilege) && !g.privileges.has("ALL")) return false;
    if (g.database === "*") return true;
    if (database === undefined || !databasePatternMatches(g.database, database)) return false;
    return g.table === "*" || (table !== undefined && g.table.toLowerCase() === table.toLowerCase());
  });
}
