import type { Connection, RowDataPacket } from "mysql2/promise";
import { quoteQualified } from "../sql/identifiers.ts";
import type { SchemaOutcome } from "../store/task-store.ts";

/**
 * Builds the secondary indexes schema migration left for after the full load, one ALTER TABLE per
 * table (InnoDB sorts and builds them in one pass). Idempotent: indexes that exist are skipped.
 */
export async function buildDeferredIndexes(
  destination: Connection,
  deferred: NonNullable<SchemaOutcome["deferredIndexes"]>,
): Promise<number> {
  let built = 0;
  for (const { table, indexes } of deferred) {
    const dot = table.indexOf(".");
    const [database, name] = [table.slice(0, dot), table.slice(dot + 1)];
    const [rows] = await destination.query<RowDataPacket[]>(
      "SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
      [database, name],
    );
    const existing = new Set(rows.map((r) => String(r.name)));
    const missing = indexes.filter((i) => !existing.has(i.name));
    if (missing.length === 0) continue;
    await destination.query(
      `ALTER TABLE ${quoteQualified(database, name)} ${missing.map((i) => `ADD ${i.clause}`).join(", ")}`,
    );
    built += missing.length;
  }
  return built;
}
