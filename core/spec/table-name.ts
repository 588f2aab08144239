/**
 * Source tables named in a spec by text (`etl.addColumns[].table`, the keys of `partitionKeys`):
 * `database.table`, where a name holding a dot (or a backtick) is written in backticks, as MySQL
 * writes it: `my.db`.orders. Names are compared as names, never split at the first dot.
 */
export interface TableName {
  database: string;
  table: string;
}

const PART = /^(?:`((?:[^`]|``)+)`|([^`.]+))/;

function readPart(text: string): [string, string] | undefined {
  const match = PART.exec(text);
  if (!match) return undefined;
  const name = match[1] !== undefined ? match[1].replaceAll("``", "`") : (match[2] ?? "");
  return [name, text.slice(match[0].length)];
}

/** `db.table`, `` `my.db`.`t` `` -> {database, table}; anything else -> undefined. */
export function parseTableName(text: string): TableName | undefined {
  const first = readPart(text);
  if (!first?.[1].startsWith(".")) return undefined;
  const second = readPart(first[1].slice(1));
  if (second?.[1] !== "") return undefined;
  return { database: first[0], table: second[0] };
}

/** True when `text` names the table. */
export function namesTable(text: string, table: TableName): boolean {
  const parsed = parseTableName(text);
  return parsed !== undefined && parsed.database === table.database && parsed.table === table.table;
}

export const TABLE_NAME_HELP =
  "write the source table as database.table (put a name holding a dot in backticks: `my.db`.orders)";

/**
 * The key of a table in maps (routes, compiled scripts): database and table joined by NUL, which
 * no MySQL name holds, so `a.b`.`c` and `a`.`b.c` are two keys.
 */
export function tableKey(database: string, table: string): string {
  return `${database}\u0000${table}`;
}
