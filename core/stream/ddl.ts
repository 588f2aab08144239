import { FatalError } from "../errors.ts";
import { quoteQualified } from "../sql/identifiers.ts";
import type { TableRoute } from "./routes.ts";
import { routeKey } from "./routes.ts";

/** What the tailer does with a DDL statement from the binlog. */
export type DdlAction =
  | { kind: "ignore"; reason: string }
  | {
      kind: "apply";
      sql: string;
      refreshCatalog: true;
      /** The destination table the statement is about (names after mapping). */
      target: { database: string; table: string };
    };

const NAME = "(`(?:[^`]|``)+`|[A-Za-z0-9_$]+)";
const QUALIFIED = new RegExp(`^${NAME}(?:\\s*\\.\\s*${NAME})?`);

function unquote(name: string): string {
  return name.startsWith("`") ? name.slice(1, -1).replaceAll("``", "`") : name;
}

function tableRef(
  text: string,
  defaultDb: string,
): { database: string; table: string; length: number } | undefined {
  const match = QUALIFIED.exec(text);
  if (!match) return undefined;
  const [whole, first = "", second] = match;
  return second
    ? { database: unquote(first), table: unquote(second), length: whole.length }
    : { database: defaultDb, table: unquote(first), length: whole.length };
}

function plainColumns(route: TableRoute): boolean {
  return route.selected.columns.every((c) => c.source === c.destination);
}

/**
 * Translates DDL on selected tables for the destination: the table name is rewritten to its mapped
 * name; DDL outside the selection is ignored; DDL that cannot be translated faithfully stops the
 * task with the statement in the error (never a silent divergence).
 */
export function translateDdl(
  sql: string,
  defaultDb: string,
  routes: Map<string, TableRoute>,
  wholeDatabases: Map<string, string>,
  allColumns: (route: TableRoute) => boolean,
  strictColumns = true,
): DdlAction {
  const text = sql.replace(/^\s*\/\*.*?\*\/\s*/s, "").trim();
  const statement =
    /^(ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE|DROP\s+TABLE|TRUNCATE(?:\s+TABLE)?|CREATE\s+TABLE|RENAME\s+TABLE|CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX|DROP\s+INDEX)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?/i.exec(
      text,
    );
  if (!statement) return { kind: "ignore", reason: "not a table DDL" };
  const verb = statement[1]?.toUpperCase().replace(/\s+/g, " ") ?? "";
  if (verb.startsWith("CREATE INDEX") || verb.includes(" INDEX") || verb === "DROP INDEX") {
    const on = /\sON\s+/i.exec(text);
    const ref = on ? tableRef(text.slice(on.index + on[0].length), defaultDb) : undefined;
    if (!ref || !routes.has(routeKey(ref.database, ref.table)))
      return { kind: "ignore", reason: "index outside the selection" };
    return rewrite(text, on ? on.index + on[0].length : 0, ref, routes, allColumns, strictColumns);
  }
  const rest = text.slice(statement[0].length);
  const ref = tableRef(rest, defaultDb);
  if (!ref)
    throw new FatalError(
      `cannot read the table name of this DDL, so it cannot be applied: ${text.slice(0, 200)}`,
    );
  const route = routes.get(routeKey(ref.database, ref.table));
  if (verb === "CREATE TABLE") {
    const target = wholeDatabases.get(ref.database);
    if (!target) return { kind: "ignore", reason: "table outside the selection" };
    if (/\bLIKE\b|\bSELECT\b/i.test(rest.slice(ref.length))) {
      throw new FatalError(
        `CREATE TABLE ... LIKE/SELECT cannot be replayed faithfully: ${text.slice(0, 200)}`,
      );
    }
    const start = statement[0].length;
    return {
      kind: "apply",
      sql: `${text.slice(0, start)}${quoteQualified(target, ref.table)}${text.slice(start + ref.length)}`,
      refreshCatalog: true,
      target: { database: target, table: ref.table },
    };
  }
  if (!route) return { kind: "ignore", reason: "table outside the selection" };
  if (verb === "RENAME TABLE") {
    throw new FatalError(
      `RENAME TABLE of the selected table ${ref.database}.${ref.table} changes the task's selection: stop the task, update objects in the spec and run it again (${text.slice(0, 200)})`,
    );
  }
  return rewrite(text, statement[0].length, ref, routes, allColumns, strictColumns);
}

function rewrite(
  text: string,
  at: number,
  ref: { database: string; table: string; length: number },
  routes: Map<string, TableRoute>,
  allColumns: (route: TableRoute) => boolean,
  strictColumns: boolean,
): DdlAction {
  const route = routes.get(routeKey(ref.database, ref.table));
  if (!route) return { kind: "ignore", reason: "table outside the selection" };
  if (strictColumns && (!plainColumns(route) || !allColumns(route))) {
    throw new FatalError(
      `DDL on ${ref.database}.${ref.table}, whose columns are renamed or selected, cannot be translated safely: ${text.slice(0, 200)}. Apply it to the destination by hand, then restart the tailer`,
    );
  }
  const destination = quoteQualified(route.selected.destination.database, route.selected.destination.table);
  return {
    kind: "apply",
    sql: `${text.slice(0, at)}${destination}${text.slice(at + ref.length)}`,
    refreshCatalog: true,
    target: route.selected.destination,
  };
}
