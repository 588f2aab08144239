import type { Connection } from "mysql2/promise";
import { type KeyRange, keyOrder, rangeCondition } from "../model/key-range.ts";
import { quoteText } from "../sql/literals.ts";
import { literalRows } from "./raw-query.ts";
import type { TableCopyPlan } from "./table-plan.ts";

export interface PlannedRange extends KeyRange {
  /** Rows in the range before the WHERE filter (counted, or estimated for integer keys). */
  rows: number;
}

/**
 * Splits a table by its key into ranges of about `chunkRows` rows. A dense integer key is split
 * by arithmetic (integerKeyRanges); any other key by counting (countedRanges).
 */
export async function planRanges(
  connection: Connection,
  plan: TableCopyPlan,
  chunkRows: number,
): Promise<PlannedRange[]> {
  return (
    (plan.integerKey ? await integerKeyRanges(connection, plan, chunkRows) : undefined) ??
    (await countedRanges(connection, plan, chunkRows))
  );
}

/**
 * Ranges of `chunkRows` key values between MIN and MAX of an integer key (two index dives, where
 * counting reads the whole key: ~0.5 s per million rows here). A range of that many integers
 * never holds more rows, so no chunk outgrows its invocation; the rows per range are estimated
 * from the table's statistics. Keys far sparser than the statistics say (more than twice the
 * ranges the row count needs) are counted instead, so a gap in the ids makes no run of empty chunks.
 */
export async function integerKeyRanges(
  connection: Connection,
  plan: TableCopyPlan,
  chunkRows: number,
): Promise<PlannedRange[] | undefined> {
  const [key] = plan.sourceKey;
  const [[low, high]] = (await literalRows(
    connection,
    `SELECT MIN(${key}), MAX(${key}) FROM ${plan.sourceTable}`,
  )) as [[string, string]];
  if (low === "NULL" || high === "NULL") return undefined;
  const { database, table } = plan.source;
  const [[estimate]] = (await literalRows(
    connection,
    `SELECT IFNULL(MAX(TABLE_ROWS), 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${quoteText(database ?? "")} AND TABLE_NAME = ${quoteText(table ?? "")}`,
  )) as [[string]];
  const min = BigInt(low);
  const span = BigInt(high) - min + 1n;
  const width = BigInt(chunkRows);
  const count = (span + width - 1n) / width;
  const needed = BigInt(Math.ceil(Math.max(1, Number(estimate)) / chunkRows));
  if (count > 2n * needed + 1n) return undefined;
  const density = Math.min(1, Number(estimate) / Number(span));
  const ranges: PlannedRange[] = [];
  for (let i = 0n; i < count; i++) {
    const lower = i === 0n ? null : [(min + i * width - 1n).toString()];
    const upper = i === count - 1n ? null : [(min + (i + 1n) * width - 1n).toString()];
    const values = i === count - 1n ? span - i * width : width;
    ranges.push({ lower, upper, rows: Math.round(Number(values) * density) });
  }
  return ranges;
}

/**
 * Ranges of `chunkRows` rows: each boundary is the key of the chunkRows-th row after the previous
 * boundary (one pass over the key index). Works for composite and non-integer keys; an empty
 * table gives one empty range.
 */
async function countedRanges(
  connection: Connection,
  plan: TableCopyPlan,
  chunkRows: number,
): Promise<PlannedRange[]> {
  const key = plan.sourceKey;
  const ranges: PlannedRange[] = [];
  let lower: string[] | null = null;
  for (;;) {
    const where = rangeCondition(key, { lower, upper: null });
    const [boundary] = await literalRows(
      connection,
      `SELECT ${key.join(", ")} FROM ${plan.sourceTable} WHERE ${where} ORDER BY ${keyOrder(key)} LIMIT 1 OFFSET ${chunkRows - 1}`,
    );
    if (!boundary) break;
    ranges.push({ lower, upper: boundary, rows: chunkRows });
    lower = boundary;
  }
  const [[count]] = (await literalRows(
    connection,
    `SELECT COUNT(*) FROM ${plan.sourceTable} WHERE ${rangeCondition(key, { lower, upper: null })}`,
  )) as [[string]];
  const remaining = Number(count);
  const last = ranges.at(-1);
  // The last range is open-ended, so rows beyond the last boundary (inserted since) are never outside every chunk.
  if (remaining > 0 || !last) ranges.push({ lower, upper: null, rows: remaining });
  else last.upper = null;
  return ranges;
}
