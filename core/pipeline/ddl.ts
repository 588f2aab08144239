import { FatalError } from "../errors.ts";
import { redactText } from "../redact.ts";
import { capitalize, selectedTables } from "../spec/mapping.ts";
import type { TaskSpec } from "../spec/schema.ts";
import { tableKey } from "../spec/table-name.ts";
import { DdlParseError, type DdlStatement, parseDdl, type TableReference } from "../sql/ddl-statement.ts";
import { quoteQualified } from "../sql/identifiers.ts";
import {
  REASONS,
  readTableOptions,
  SAFE_ENGINE_NAMES,
  TableOptionsError,
  tableOptionProblem,
} from "../sql/table-options.ts";
import { renderTokens, type Token } from "../sql/tokens.ts";
import type { TableRoute } from "./table-route.ts";

/** One statement for the destination, with the destination table it is about. */
export interface DestinationDdl {
  sql: string;
  target: { database: string; table: string };
}

/** What the tailer does with a DDL statement from the binlog. */
export type DdlAction =
  | { kind: "ignore"; reason: string }
  | { kind: "apply"; statements: DestinationDdl[]; refreshCatalog: true };

/** What a task selects, as the DDL translation needs it. */
export interface DdlScope {
  routes: Map<string, TableRoute>;
  /** Databases selected whole (their new tables follow): source name -> destination name. */
  wholeDatabases: Map<string, string>;
  /** Every source database the task selects from. */
  databases: Set<string>;
  /**
   * Tables the spec names, by source table (tableKey): their destination, and whether all their
   * columns move under their own names. A named table need not exist (dropped, to be created again).
   */
  named: Map<string, { destination: { database: string; table: string }; plainColumns: boolean }>;
  /** The name a table of a whole-database selection gets on the destination. */
  tableName(name: string): string;
  /** Stop on DDL of tables whose columns are renamed or selected (a MySQL destination). */
  strictColumns: boolean;
  /** The spec migrates every column of the route's table under its own name. */
  allColumns(route: TableRoute): boolean;
}

/** The scope of a task: its routes, and what its spec selects whole. */
export function ddlScope(spec: TaskSpec, routes: Map<string, TableRoute>, strictColumns: boolean): DdlScope {
  return {
    routes,
    wholeDatabases: new Map(
      spec.objects
        .filter((o) => !o.tables)
        .map((o) => [o.database, o.as ?? capitalize(o.database, spec.capitalization)]),
    ),
    databases: new Set(spec.objects.map((o) => o.database)),
    // With an empty catalog the selection lists exactly the tables the spec names.
    named: new Map(
      selectedTables(spec, new Map())
        .filter((t) => t.explicit)
        .map((t) => {
          const object = spec.objects.find((o) => o.database === t.source.database);
          const named = object?.tables?.find((n) => n.name === t.source.table);
          const plain =
            !named?.columns || named.columns.every((c) => typeof c === "string" || c.as === undefined);
          return [
            tableKey(t.source.database, t.source.table),
            { destination: t.destination, plainColumns: plain && !named?.columns },
          ];
        }),
    ),
    tableName: (name) => capitalize(name, spec.capitalization),
    strictColumns,
    allColumns(route) {
      const object = spec.objects.find((o) => o.database === route.selected.source.database);
      const table = object?.tables?.find((t) => t.name === route.selected.source.table);
      return !table?.columns;
    },
  };
}

/** The statement as errors quote it: shortened, and without the credentials a CONNECTION string may hold. */
const excerpt = (sql: string) => redactText(sql.length > 300 ? `${sql.slice(0, 300)}...` : sql);
const named = (ref: { database: string; table: string }) => `${ref.database}.${ref.table}`;

function stop(problem: string, sql: string, fix: string): never {
  throw new FatalError(`${problem}: ${excerpt(sql)}. ${fix}`);
}

/**
 * Translates a DDL statement from the binlog for the destination. Every table the statement names
 * is accounted for: each is mapped to its destination name, a statement that names only tables
 * outside the task is skipped, and one that mixes both, renames a selected table, or cannot be
 * read stops the task with the statement and what to do (never a silent divergence, never a
 * statement that reaches a table outside the task).
 */
export function translateDdl(sql: string, defaultDb: string, scope: DdlScope): DdlAction {
  let statement: DdlStatement;
  try {
    statement = parseDdl(sql, defaultDb);
  } catch (error) {
    if (!(error instanceof DdlParseError)) throw error;
    stop(
      `cannot read this DDL statement (${error.message}), so it can be neither applied nor skipped safely`,
      sql,
      "If it concerns the task's tables, apply its equivalent to the destination by hand, then resume the task",
    );
  }
  if (statement.kind === "other") return { kind: "ignore", reason: "not a table DDL" };
  if (statement.temporary) return { kind: "ignore", reason: "temporary table" };
  if (statement.kind === "drop-database") {
    if (!scope.databases.has(statement.database ?? "")) return ignoreOutside;
    stop(
      `DROP DATABASE of ${statement.database}, which the task selects`,
      sql,
      "The destination keeps its copy: drop it there yourself if you mean to, and remove the database from the task's objects",
    );
  }
  const destination = (ref: TableReference) => mapTable(ref, scope);
  if (statement.kind === "rename-table") {
    const inside = statement.tables.filter((t) => destination(t));
    if (inside.length === 0) return ignoreOutside;
    renameStop(inside, sql);
  }
  if (statement.kind === "drop-table") return dropTables(statement, sql, scope);
  const [subject, ...others] = statement.tables;
  if (!subject) return { kind: "ignore", reason: "no table named" };
  const moving = others.filter((t) => t.role === "rename-to" || t.role === "exchange");
  if (!destination(subject)) {
    const entering = moving.filter((t) => destination(t));
    if (entering.length === 0) return ignoreOutside;
    stop(
      `this statement moves a table or its rows between ${named(subject)}, which the task does not select, and ${entering.map(named).join(", ")}, which it does`,
      sql,
      "Stop the task, update objects in the spec and run it again from scratch",
    );
  }
  const renamed = others.filter((t) => t.role === "rename-to");
  if (renamed.length > 0) renameStop([subject], sql);
  if (statement.kind === "create-table" && (statement.selects || others.some((t) => t.role === "copy-from")))
    stop(
      `CREATE TABLE ${named(subject)} ... LIKE/SELECT/UNION cannot be replayed faithfully`,
      sql,
      "Create the table on the destination by hand as the source has it, then resume the task",
    );
  const outside = others.filter((t) => !destination(t));
  if (outside.length > 0)
    stop(
      `this statement on ${named(subject)} also names ${outside.map(named).join(", ")}, which the task does not select`,
      sql,
      "Apply its equivalent to the destination by hand (or add those tables to the task), then resume the task",
    );
  const problem = tableOptionsProblem(statement, sql);
  if (problem)
    stop(
      `this statement on ${named(subject)} ${problem}; such tables can reach other servers, files or tables`,
      sql,
      "Leave the table out of the task, or apply a safe equivalent to the destination by hand, then resume",
    );
  const route = scope.routes.get(tableKey(subject.database, subject.table));
  const listed = scope.named.get(tableKey(subject.database, subject.table));
  const partial = route ? !plainColumns(route) || !scope.allColumns(route) : listed?.plainColumns === false;
  if (scope.strictColumns && partial)
    stop(
      `DDL on ${named(subject)}, whose columns are renamed or selected, cannot be translated safely`,
      sql,
      "Apply it to the destination by hand, then restart the tailer",
    );
  return {
    kind: "apply",
    statements: [{ sql: rewrite(statement, sql, scope), target: destination(subject) as Target }],
    refreshCatalog: true,
  };
}

type Target = { database: string; table: string };
const ignoreOutside: DdlAction = { kind: "ignore", reason: "table outside the selection" };

/**
 * The destination name of a source table the task selects: by its route, by the spec naming it
 * (a named table dropped and created again has no route in between), or by a whole-database selection.
 */
function mapTable(ref: { database: string; table: string }, scope: DdlScope): Target | undefined {
  const route = scope.routes.get(tableKey(ref.database, ref.table));
  if (route) return route.destination;
  const listed = scope.named.get(tableKey(ref.database, ref.table));
  if (listed) return listed.destination;
  const database = scope.wholeDatabases.get(ref.database);
  return database === undefined ? undefined : { database, table: scope.tableName(ref.table) };
}

function renameStop(tables: TableReference[], sql: string): never {
  stop(
    `renaming ${tables.map(named).join(", ")} changes the task's selection`,
    sql,
    "Stop the task, update objects in the spec and run it again",
  );
}

function plainColumns(route: TableRoute): boolean {
  return route.selected.columns.every((c) => c.source === c.destination);
}

/** DROP TABLE of selected tables only: one statement per table. */
function dropTables(statement: DdlStatement, sql: string, scope: DdlScope): DdlAction {
  const inside = statement.tables.filter((t) => mapTable(t, scope));
  if (inside.length === 0) return ignoreOutside;
  const outside = statement.tables.filter((t) => !mapTable(t, scope));
  if (outside.length > 0)
    stop(
      `DROP TABLE names tables the task selects (${inside.map(named).join(", ")}) and tables it does not (${outside.map(named).join(", ")})`,
      sql,
      "Drop the selected tables on the destination by hand if you mean to, then resume the task",
    );
  const ifExists = statement.ifExists === true;
  return {
    kind: "apply",
    refreshCatalog: true,
    statements: inside.map((t) => {
      const target = mapTable(t, scope) as Target;
      return {
        sql: `DROP TABLE ${ifExists ? "IF EXISTS " : ""}${quoteQualified(target.database, target.table)}`,
        target,
      };
    }),
  };
}

/**
 * The statement rebuilt from its tokens with every table reference replaced by its destination
 * name: no comment reaches the destination (an executable comment's content is code), strings are
 * written back from what was read, so the destination runs exactly what was analysed here.
 */
function rewrite(statement: DdlStatement, sql: string, scope: DdlScope): string {
  const tokens = statement.tokens;
  const byStart = new Map(statement.tables.map((t) => [t.start, t]));
  return renderTokens(tokens, sql, (index) => {
    const ref = byStart.get((tokens[index] as Token).start);
    if (!ref) return undefined;
    const target = mapTable(ref, scope) as Target;
    let next = index;
    while (next < tokens.length && (tokens[next] as Token).start < ref.end) next++;
    return { text: quoteQualified(target.database, target.table), next };
  });
}

const REMOTE_ENGINES = new Set([
  "FEDERATED",
  "FEDERATEDX",
  "CONNECT",
  "SPIDER",
  "MERGE",
  "MRG_MYISAM",
  "CSV",
  "S3",
]);
const REFUSED = new Set(Object.keys(REASONS));

/**
 * Table options that make a table read or write another server, file or table. A CREATE TABLE's
 * options (after its column list) are read by the schema phase's reader and allow-list; an ALTER
 * TABLE mixes options with other clauses, so its tokens are scanned for every refused option and
 * for engines outside the allow-list.
 */
function tableOptionsProblem(statement: DdlStatement, sql: string): string | undefined {
  const tokens = statement.tokens;
  if (statement.kind === "create-table") {
    const subjectEnd = statement.tables[0]?.end ?? 0;
    const open = tokens.findIndex((t) => t.start >= subjectEnd);
    if (tokens[open]?.value === "(") {
      const close = tokens.findIndex((t, i) => i > open && t.value === ")" && t.depth === 0);
      try {
        return tableOptionProblem(readTableOptions(tokens.slice(close + 1), sql));
      } catch (error) {
        if (error instanceof TableOptionsError)
          return `has table options that cannot be read (${error.message})`;
        throw error;
      }
    }
  }
  const valued = (t: Token | undefined) =>
    t !== undefined && (t.kind === "word" || t.kind === "quoted" || t.kind === "string");
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind !== "word") continue;
    const directory = tokens[i + 1]?.value === "DIRECTORY";
    const name = directory ? `${token.value} DIRECTORY` : token.value;
    const at = directory ? i + 2 : i + 1;
    const next = tokens[at];
    const value = next?.value === "=" ? tokens[at + 1] : next;
    const afterDiscard = tokens[i - 1]?.value === "DISCARD" || tokens[i - 1]?.value === "IMPORT";
    // An option takes `=`, a string or a list; a word after it may be a column's type (ADD connection INT).
    if (
      REFUSED.has(name) &&
      !afterDiscard &&
      (next?.value === "=" || next?.kind === "string" || next?.value === "(")
    )
      return `sets ${name}`;
    if ((name === "ENGINE" || name === "TYPE") && valued(value)) {
      const engine = (value as Token).value.toUpperCase();
      // `ENGINE = x` and `ENGINE 'x'` are the option; `engine x` may be a column named engine.
      const option = next?.value === "=" || next?.kind === "string" || next?.kind === "quoted";
      if (option ? !SAFE_ENGINE_NAMES.has(engine) : REMOTE_ENGINES.has(engine))
        return `uses the ${(value as Token).value} engine`;
    }
  }
  return undefined;
}
