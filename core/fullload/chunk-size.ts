import type { Connection } from "mysql2/promise";
import { quoteText } from "../sql/literals.ts";
import { literalRows } from "./raw-query.ts";
import type { TableCopyPlan } from "./table-plan.ts";

/** What a chunk may hold: at most `chunkRows` rows and about `chunkBytes` bytes (spec.fullLoad). */
export interface ChunkSizes {
  chunkRows: number;
  chunkBytes: number;
}

/** The table's statistics: estimated rows and bytes per row (0 when the server has none yet). */
export interface TableStats {
  rows: number;
  rowBytes: number;
}

/** Rows sampled when the statistics carry no row length (a table not analyzed since it was filled). */
const SAMPLE_ROWS = 1000;

/** Estimated rows and average row length from information_schema.TABLES (no table is read). */
export async function tableStats(connection: Connection, plan: TableCopyPlan): Promise<TableStats> {
  const { database, table } = plan.source;
  const [[rows, length] = ["0", "0"]] = await literalRows(
    connection,
    `SELECT IFNULL(TABLE_ROWS, 0), IFNULL(AVG_ROW_LENGTH, 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${quoteText(database)} AND TABLE_NAME = ${quoteText(table)}`,
  );
  return { rows: Number(rows), rowBytes: Number(length) };
}

/**
 * Rows per chunk for one table: `chunkRows`, fewer when its rows are wide, so a chunk of BLOB or
 * JSON rows stays near `chunkBytes` and fits one copy invocation. The row length comes from the
 * statistics, or from the copy's own line rendering of the first rows when there are none.
 */
export async function rowsPerChunk(
  connection: Connection,
  plan: TableCopyPlan,
  sizes: ChunkSizes,
  stats: TableStats,
): Promise<number> {
  let rowBytes = stats.rowBytes;
  if (rowBytes <= 0) {
    const [[average = "NULL"] = []] = await literalRows(
      connection,
      `SELECT AVG(LENGTH(${plan.lineSelect})) FROM (SELECT * FROM ${plan.sourceTable} LIMIT ${SAMPLE_ROWS}) AS sample`,
    );
    rowBytes = average === "NULL" ? 0 : Number(average.replaceAll("'", ""));
  }
  return chunkRowsFor(sizes, rowBytes);
}

/** min(chunkRows, chunkBytes / row length), at least one row. */
export function chunkRowsFor(sizes: ChunkSizes, rowBytes: number): number {
  if (!(rowBytes > 0)) return sizes.chunkRows;
  return Math.max(1, Math.min(sizes.chunkRows, Math.floor(sizes.chunkBytes / rowBytes)));
}
