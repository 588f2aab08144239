import type { Connection, RowDataPacket } from "mysql2/promise";
import { rowsPerChunk } from "../fullload/chunk-size.ts";
import { literalRows } from "../fullload/raw-query.ts";
import { readCatalog } from "../source/catalog-reader.ts";
import { openSource } from "../source/connection.ts";
import type { TaskSpec } from "../spec/schema.ts";
import { quoteQualified } from "../sql/identifiers.ts";
import { quoteText } from "../sql/literals.ts";
import type { PlanSource, TableSize } from "./preview.ts";
import { sampleSelect, sampleTable } from "./read-sample.ts";

/** Seconds each reader of the sample should take (two tables at most are sampled). */
const SAMPLE_BUDGET_SECONDS = 0.5;
/** Concurrent readers of the sample at most: enough to see whether the source scales, few connections. */
const MAX_READERS = 4;

/**
 * The plan's source on a live server: one connection for the catalog and statistics, and the
 * sample's extra readers opened only while a sample runs. Only SELECT, SHOW and information_schema.
 */
export async function livePlanSource(
  spec: TaskSpec,
): Promise<{ source: PlanSource; close: () => Promise<void> }> {
  const main = await openSource(spec.source);
  const kafka = spec.destination.type === "kafka";
  const source: PlanSource = {
    catalog: (databases) => readCatalog(main, databases),
    size: (database, table) => tableSize(main, database, table),
    rowsPerChunk: (plan, sizes, size) => rowsPerChunk(main, plan, sizes, size),
    async showCreateTable(database, table) {
      const [[row]] = await main.query<RowDataPacket[]>(
        `SHOW CREATE TABLE ${quoteQualified(database, table)}`,
      );
      return String(row?.["Create Table"] ?? "");
    },
    async sample(table, readers) {
      const extra: Connection[] = [];
      try {
        for (let i = 1; i < Math.min(readers, MAX_READERS); i++) extra.push(await openSource(spec.source));
        return await sampleTable(
          [main, ...extra],
          (rows) => sampleSelect(table.plan, table.route, kafka, rows),
          { name: table.name, rows: table.size.rows, rowBytes: table.size.rowBytes },
          { budgetSeconds: SAMPLE_BUDGET_SECONDS },
        );
      } finally {
        await Promise.all(extra.map((c) => c.end().catch(() => undefined)));
      }
    },
  };
  return { source, close: () => main.end().catch(() => undefined) };
}

async function tableSize(connection: Connection, database: string, table: string): Promise<TableSize> {
  const [[rows = "0", length = "0", data = "0", index = "0"] = []] = await literalRows(
    connection,
    `SELECT IFNULL(TABLE_ROWS, 0), IFNULL(AVG_ROW_LENGTH, 0), IFNULL(DATA_LENGTH, 0), IFNULL(INDEX_LENGTH, 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${quoteText(database)} AND TABLE_NAME = ${quoteText(table)}`,
  );
  return { rows: Number(rows), rowBytes: Number(length), dataBytes: Number(data), indexBytes: Number(index) };
}
