import type { Connection, RowDataPacket } from "mysql2/promise";
import { readCatalog } from "../source/catalog-reader.ts";
import { capitalize, qualified, selectedTables } from "../spec/mapping.ts";
import type { TaskSpec } from "../spec/schema.ts";
import { namesTable } from "../spec/table-name.ts";
import { quoteIdentifier, quoteQualified } from "../sql/identifiers.ts";
import type { SchemaOutcome } from "../store/task-store.ts";
import { destinationCreateTable } from "./create-table.ts";
import { migrateRoutines } from "./routines.ts";
import { rewriteView, type SqlSecurity } from "./views.ts";

async function existingTables(destination: Connection, databases: string[]): Promise<Set<string>> {
  const [rows] = await destination.query<RowDataPacket[]>(
    "SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?)",
    [databases.length > 0 ? databases : [""]],
  );
  return new Set(rows.map((r) => String(r.name)));
}

/**
 * Schema migration: creates the destination databases (source charset and collation) and tables
 * (mapped, selected columns, indexes kept), then the views of whole-database selections.
 * Idempotent: tables that exist are kept, so a resumed run goes on where it stopped.
 */
export async function migrateSchema(
  spec: TaskSpec,
  source: Connection,
  destination: Connection,
  ownedBefore: readonly string[],
  options: { recreateOwned?: boolean } = {},
): Promise<SchemaOutcome> {
  const databases = [...new Set(spec.objects.map((o) => o.database))];
  const catalog = await readCatalog(source, databases);
  const tables = selectedTables(spec, catalog);
  const notes: string[] = [];
  const destinationDatabases = [...new Set(tables.map((t) => t.destination.database))];
  const before = await existingTables(destination, destinationDatabases);

  for (const object of spec.objects) {
    const target = tables.find((t) => t.source.database === object.database)?.destination.database;
    if (!target) continue;
    const [[schema]] = await source.query<RowDataPacket[]>(
      "SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
      [object.database],
    );
    await destination.query(
      `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(target)} CHARACTER SET ${String(schema?.cs ?? "utf8mb4")} COLLATE ${String(schema?.co ?? "utf8mb4_general_ci")}`,
    );
  }

  const created = new Set(ownedBefore);
  const deferSecondary = spec.migrationTypes.includes("full");
  const deferredIndexes: NonNullable<SchemaOutcome["deferredIndexes"]> = [];
  for (const table of tables) {
    const name = qualified(table.destination);
    if (before.has(name) && !created.has(name)) {
      notes.push(`${name} already existed and was kept as it is`);
      continue;
    }
    if (before.has(name) && options.recreateOwned) {
      // A new full load of a table this task created: start from the source's current definition.
      await destination.query(
        `DROP TABLE ${quoteQualified(table.destination.database, table.destination.table)}`,
      );
    }
    const [[row]] = await source.query<RowDataPacket[]>(
      `SHOW CREATE TABLE ${quoteQualified(table.source.database, table.source.table)}`,
    );
    const ddl = destinationCreateTable(String(row?.["Create Table"]), table, true, deferSecondary);
    await destination.query(ddl.sql);
    if (ddl.deferredIndexes.length > 0)
      deferredIndexes.push({ table: name, ...namesOf(table.destination), indexes: ddl.deferredIndexes });
    notes.push(...ddl.notes.map((n) => `${name}: ${n}`));
    created.add(name);
  }

  notes.push(...(await addEtlColumns(spec, tables, destination)));

  for (const object of spec.objects.filter((o) => !o.tables)) {
    const target = object.as ?? capitalize(object.database, spec.capitalization);
    const security = object.sqlSecurity;
    notes.push(...(await migrateViews(object.database, target, tables, source, destination, security)));
    notes.push(...(await migrateRoutines(object.database, target, source, destination, security)));
    // Triggers would fire on the destination for rows the source's own triggers already wrote
    // (row-based binlogs carry their effects): they are left for cut-over.
    const [[triggers]] = await source.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?",
      [object.database],
    );
    if (Number(triggers?.n) > 0) {
      notes.push(
        `${object.database}: ${triggers?.n} trigger(s) not created, because they would fire again for changes the migration already carries; create them at cut-over`,
      );
    }
  }
  return {
    createdTables: [...created].sort(),
    notes,
    deferredIndexes,
    completedAt: new Date().toISOString(),
  };
}

async function migrateViews(
  database: string,
  target: string,
  tables: ReturnType<typeof selectedTables>,
  source: Connection,
  destination: Connection,
  security: SqlSecurity,
): Promise<string[]> {
  const [views] = await source.query<RowDataPacket[]>(
    "SELECT TABLE_NAME AS name FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME",
    [database],
  );
  let pending = views.map((v) => String(v.name));
  const notes: string[] = [];
  // Views may use other views: create what can be created, then retry the rest.
  for (let round = 0; pending.length > 0 && round < 10; round++) {
    const failed: string[] = [];
    let lastError = "";
    for (const view of pending) {
      const [[row]] = await source.query<RowDataPacket[]>(
        `SHOW CREATE VIEW ${quoteQualified(database, view)}`,
      );
      try {
        const sql = rewriteView(String(row?.["Create View"]), { database, view, target, tables, security });
        await destination.query(sql);
      } catch (error) {
        failed.push(view);
        lastError = (error as Error).message;
      }
    }
    if (failed.length === pending.length) {
      notes.push(`views not created: ${failed.join(", ")} (${lastError})`);
      break;
    }
    pending = failed;
  }
  return notes;
}

/** Adds the columns `etl.addColumns` asks for to destination tables that lack them. */
async function addEtlColumns(
  spec: TaskSpec,
  tables: ReturnType<typeof selectedTables>,
  destination: Connection,
): Promise<string[]> {
  const notes: string[] = [];
  for (const table of tables) {
    const added = (spec.etl?.addColumns ?? []).filter((c) => namesTable(c.table, table.source));
    if (added.length === 0) continue;
    const [rows] = await destination.query<RowDataPacket[]>(
      "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
      [table.destination.database, table.destination.table],
    );
    const existing = new Set(rows.map((r) => String(r.name)));
    for (const column of added.filter((c) => !existing.has(c.name))) {
      await destination.query(
        `ALTER TABLE ${quoteQualified(table.destination.database, table.destination.table)} ADD COLUMN ${quoteIdentifier(column.name)} ${column.type} NULL`,
      );
      notes.push(
        `${qualified(table.destination)}: added column ${column.name} ${column.type} for the ETL script`,
      );
    }
  }
  return notes;
}

/** A destination table's names as the index build reads them (never split from "db.table"). */
function namesOf(table: { database: string; table: string }): { database: string; name: string } {
  return { database: table.database, name: table.table };
}
