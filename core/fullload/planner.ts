import type { Connection } from "mysql2/promise";
import { type KeyRange, keyOrder, rangeCondition } from "../model/key-range.ts";
import { type TableStats, tableStats } from "./chunk-size.ts";
import { literalRows } from "./raw-query.ts";
import type { TableCopyPlan } from "./table-plan.ts";

export interface PlannedRange extends KeyRange {
  /** Rows in the range before the WHERE filter (counted, or estimated from the statistics). */
  rows: number;
}

/**
 * A table's ranges of about `rows` rows each, from `lower` (exclusive; null: the table's start)
 * to its end, one at a time: the caller saves them as they come and may stop between any two, then
 * go on later from the last upper bound it saved. The last range is open-ended (upper null), so
 * rows inserted beyond the last boundary since are in a chunk too.
 *
 * An integer key is split by arithmetic on MIN and MAX (two index dives, where counting reads the
 * whole key, ~0.5 s per million rows here); a composite key led by an integer column likewise on
 * that column, each range checked by an index dive (EXPLAIN) and counted only where it holds far
 * more rows than the statistics promised; any other key (or ids far sparser than the statistics
 * say) by counting (countedRanges).
 */
export async function* tableRanges(
  connection: Connection,
  plan: TableCopyPlan,
  rows: number,
  lower: string[] | null = null,
  stats?: TableStats,
): AsyncGenerator<PlannedRange> {
  if (plan.integerLead) {
    const statistics = stats ?? (await tableStats(connection, plan));
    const cells = await leadingCells(connection, plan, rows, lower, statistics);
    if (cells) {
      yield* cells;
      return;
    }
  }
  yield* countedRanges(connection, plan, rows, { lower, upper: null });
}

/** Every range of the table at once (verify, tests): tableRanges collected. */
export async function planRanges(
  connection: Connection,
  plan: TableCopyPlan,
  rows: number,
): Promise<PlannedRange[]> {
  const ranges: PlannedRange[] = [];
  for await (const range of tableRanges(connection, plan, rows)) ranges.push(range);
  return ranges;
}

/** Every range of an integer-led key by arithmetic; undefined when its values are too sparse (counted then). */
export async function integerKeyRanges(
  connection: Connection,
  plan: TableCopyPlan,
  rows: number,
): Promise<PlannedRange[] | undefined> {
  const cells = await leadingCells(connection, plan, rows, null, await tableStats(connection, plan));
  if (!cells) return undefined;
  const ranges: PlannedRange[] = [];
  for await (const range of cells) ranges.push(range);
  return ranges;
}

/** A range holding more than this many times its share (by an index dive) is counted instead. */
const OVERFULL = 3;

/**
 * Ranges of the leading integer column of `width` values each, so that about `rows` rows fall in
 * each by the statistics' density. For a single-column key a range of `rows` values never holds
 * more rows. For a longer key, the bounds are one-column prefixes; a range an index dive finds
 * overfull (a leading value shared by many rows) is split by counting. Undefined when the values
 * are far sparser than the row count says (more than twice the ranges it needs): counting then
 * makes no run of empty chunks.
 */
async function leadingCells(
  connection: Connection,
  plan: TableCopyPlan,
  rows: number,
  lower: string[] | null,
  stats: TableStats,
): Promise<AsyncGenerator<PlannedRange> | undefined> {
  const [lead = ""] = plan.sourceKey;
  const [[low = "NULL", high = "NULL"] = []] = await literalRows(
    connection,
    `SELECT MIN(${lead}), MAX(${lead}) FROM ${plan.sourceTable}`,
  );
  if (low === "NULL" || high === "NULL") return undefined;
  const min = BigInt(low);
  const max = BigInt(high);
  const single = plan.sourceKey.length === 1;
  // The last value fully covered before the next range: a one-column bound covers its value whole.
  const start = lower === null ? min - 1n : BigInt(lower[0] ?? "0") - (lower.length === 1 ? 0n : 1n);
  const density = Math.max(stats.rows, 1) / Number(max - min + 1n);
  const width = single ? BigInt(rows) : BigInt(Math.max(1, Math.floor(rows / density)));
  const count = max > start ? (max - start + width - 1n) / width : 1n;
  const needed = BigInt(Math.ceil(Math.max(1, stats.rows) / rows));
  if (count > 2n * needed + 1n) return undefined;
  // Rows per leading value: a single-column key holds at most one.
  const perValue = single ? Math.min(1, density) : density;
  return cells(connection, plan, { rows, lower, start, end: max, width, count, perValue });
}

async function* cells(
  connection: Connection,
  plan: TableCopyPlan,
  grid: {
    rows: number;
    lower: string[] | null;
    start: bigint;
    end: bigint;
    width: bigint;
    count: bigint;
    perValue: number;
  },
): AsyncGenerator<PlannedRange> {
  const { start, width, count } = grid;
  for (let i = 0n; i < count; i++) {
    const last = i === count - 1n;
    const range: KeyRange = {
      lower: i === 0n ? grid.lower : [(start + i * width).toString()],
      upper: last ? null : [(start + (i + 1n) * width).toString()],
    };
    const values = last ? grid.end - start - i * width : width;
    if (plan.sourceKey.length > 1 && (await diveRows(connection, plan, range)) > OVERFULL * grid.rows) {
      yield* countedRanges(connection, plan, grid.rows, range);
      continue;
    }
    yield { ...range, rows: Math.max(0, Math.round(Number(values) * grid.perValue)) };
  }
}

/** The optimizer's estimate of the rows in a range (EXPLAIN: two dives into the key's index). */
async function diveRows(connection: Connection, plan: TableCopyPlan, range: KeyRange): Promise<number> {
  const [explained] = await connection.query(
    `EXPLAIN SELECT 1 FROM ${plan.sourceTable} WHERE ${rangeCondition(plan.sourceKey, range)}`,
  );
  return Math.max(0, ...(explained as { rows?: number | string | null }[]).map((r) => Number(r.rows) || 0));
}

/**
 * Ranges of `rows` rows within `bounds`: each boundary is the key of the rows-th row after the
 * previous one (reads the key index through). Works for every key. A range is handed out once the
 * next boundary (or the end) is known, so the last one takes the bounds' upper end.
 */
async function* countedRanges(
  connection: Connection,
  plan: TableCopyPlan,
  rows: number,
  bounds: KeyRange,
): AsyncGenerator<PlannedRange> {
  const key = plan.sourceKey;
  let held: PlannedRange | undefined;
  let lower = bounds.lower;
  for (;;) {
    const where = rangeCondition(key, { lower, upper: bounds.upper });
    const [boundary] = await literalRows(
      connection,
      `SELECT ${key.join(", ")} FROM ${plan.sourceTable} WHERE ${where} ORDER BY ${keyOrder(key)} LIMIT 1 OFFSET ${rows - 1}`,
    );
    if (!boundary) break;
    if (held) yield held;
    held = { lower, upper: boundary, rows };
    lower = boundary;
  }
  const [[count = "0"] = []] = await literalRows(
    connection,
    `SELECT COUNT(*) FROM ${plan.sourceTable} WHERE ${rangeCondition(key, { lower, upper: bounds.upper })}`,
  );
  const remaining = Number(count);
  if (held && remaining === 0) {
    yield { ...held, upper: bounds.upper };
    return;
  }
  if (held) yield held;
  yield { lower, upper: bounds.upper, rows: remaining };
}
