import type { Connection } from "mysql2/promise";
import { type KeyRange, keyOrder, rangeCondition } from "./range.ts";
import { literalRows } from "./raw-query.ts";
import type { TableCopyPlan } from "./table-plan.ts";

export interface PlannedRange extends KeyRange {
  /** Rows in the range before the WHERE filter (exact: counted while planning). */
  rows: number;
}

/**
 * Splits a table by its key into ranges of about `chunkRows` rows: each boundary is the key of
 * the chunkRows-th row after the previous boundary (one pass over the key index). Works for
 * composite and non-integer keys; an empty table gives one empty range.
 */
export async function planRanges(
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
