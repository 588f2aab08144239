import type { Connection, RowDataPacket } from "mysql2/promise";
import { quoteQualified } from "../sql/identifiers.ts";
import type { SchemaOutcome } from "../store/task-store.ts";

type DeferredIndexes = NonNullable<SchemaOutcome["deferredIndexes"]>;

/**
 * Builds the secondary indexes schema migration left for after the full load, one ALTER TABLE per
 * table (InnoDB sorts and builds them in one pass), several tables at once: one build runs on one
 * destination thread, so a task of many tables would otherwise leave the other cores idle.
 * Idempotent: indexes that exist are skipped.
 */
export async function buildDeferredIndexes(
  openDestination: () => Promise<Connection>,
  deferred: DeferredIndexes,
  parallelism: number,
): Promise<number> {
  const queue = [...deferred];
  let built = 0;
  const worker = async () => {
    const destination = await openDestination();
    try {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const added = await buildTable(destination, next); // (built += await ...) would lose counts
        built += added;
      }
    } finally {
      await destination.end().catch(() => undefined);
    }
  };
  const workers = Math.max(1, Math.min(parallelism, queue.length));
  const results = await Promise.allSettled(Array.from({ length: workers }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return built;
}

async function buildTable(
  destination: Connection,
  { table, indexes }: DeferredIndexes[number],
): Promise<number> {
  const dot = table.indexOf(".");
  const [database, name] = [table.slice(0, dot), table.slice(dot + 1)];
  const [rows] = await destination.query<RowDataPacket[]>(
    "SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
    [database, name],
  );
  const existing = new Set(rows.map((r) => String(r.name)));
  const missing = indexes.filter((i) => !existing.has(i.name));
  if (missing.length === 0) return 0;
  await destination.query(
    `ALTER TABLE ${quoteQualified(database, name)} ${missing.map((i) => `ADD ${i.clause}`).join(", ")}`,
  );
  return missing.length;
}
