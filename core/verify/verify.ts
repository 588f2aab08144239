import type { Connection } from "mysql2/promise";
import { literalRows } from "../fullload/raw-query.ts";
import type { TableCopyPlan } from "../fullload/table-plan.ts";
import type { KeyRange } from "../model/key-range.ts";
import { rangeCondition } from "../model/key-range.ts";
import { rowFingerprint, type Side, sides } from "./checksum.ts";

export type DifferenceKind = "missing" | "extra" | "different";

/** A row that differs: missing in the destination, extra there, or with different values. */
export interface RowDifference {
  table: string;
  kind: DifferenceKind;
  /** Source key column -> SQL literal of its value. */
  key: Record<string, string>;
  /** For "different": the destination columns whose values differ. */
  columns?: string[];
}

export interface TableVerdict {
  source: string;
  destination: string;
  chunks: number;
  mismatchedChunks: number;
  sourceRows: number;
  destinationRows: number;
  /** Why the table, or some of its columns, were not compared (an ETL script transforms them). */
  note?: string;
}

export interface VerifyReport {
  equal: boolean;
  tables: TableVerdict[];
  differences: RowDifference[];
  /** More differences exist than the report lists. */
  truncated: boolean;
}

const MAX_DIFFERENCES = 100;

function where(side: Side, range: KeyRange, extra?: string): string {
  const filter = side.filterSql ? ` AND ${side.filterSql}` : "";
  return `${rangeCondition(side.key, range)}${filter}${extra ? ` AND ${extra}` : ""}`;
}

async function chunkSum(
  connection: Connection,
  side: Side,
  range: KeyRange,
): Promise<{ rows: number; sum: string }> {
  const [row] = (await literalRows(
    connection,
    `SELECT COUNT(*), COALESCE(SUM(${rowFingerprint(side.columns, side.floats)}), 0) FROM ${side.table} WHERE ${where(side, range)}`,
  )) as [[string, string]];
  return { rows: Number(row[0]), sum: row[1] ?? "0" };
}

async function fingerprints(
  connection: Connection,
  side: Side,
  range: KeyRange,
): Promise<Map<string, string>> {
  const rows = await literalRows(
    connection,
    `SELECT ${side.key.join(", ")}, ${rowFingerprint(side.columns, side.floats)} FROM ${side.table} WHERE ${where(side, range)}`,
  );
  return new Map(rows.map((r) => [JSON.stringify(r.slice(0, side.key.length)), r[side.key.length] ?? ""]));
}

async function differingColumns(
  source: Connection,
  destination: Connection,
  pair: { source: Side; destination: Side },
  key: string[],
): Promise<string[]> {
  const read = async (connection: Connection, side: Side) => {
    const condition = side.key.map((k, i) => `${k} = ${key[i]}`).join(" AND ");
    const values = side.columns.map((c) => `HEX(CAST(${side.floats.has(c) ? `(${c} + 0E0)` : c} AS BINARY))`);
    const [row] = await literalRows(
      connection,
      `SELECT ${values.join(", ")} FROM ${side.table} WHERE ${condition}`,
    );
    return row ?? [];
  };
  const [a, b] = await Promise.all([read(source, pair.source), read(destination, pair.destination)]);
  return pair.destination.columns.filter((_, i) => a[i] !== b[i]).map((c) => c.replaceAll("`", ""));
}

/**
 * Compares one table chunk by chunk (row count and an order-independent checksum, filter applied
 * on the source), and narrows every mismatching chunk down to the rows that differ.
 */
export async function verifyTable(
  source: Connection,
  destination: Connection,
  plan: TableCopyPlan,
  ranges: KeyRange[],
  differences: RowDifference[],
): Promise<TableVerdict> {
  const pair = sides(plan);
  const verdict: TableVerdict = {
    source: plan.sourceTable.replaceAll("`", ""),
    destination: plan.destinationTable.replaceAll("`", ""),
    chunks: ranges.length,
    mismatchedChunks: 0,
    sourceRows: 0,
    destinationRows: 0,
  };
  const keyNames = plan.sourceKey.map((k) => k.replaceAll("`", ""));
  for (const range of ranges) {
    const [a, b] = await Promise.all([
      chunkSum(source, pair.source, range),
      chunkSum(destination, pair.destination, range),
    ]);
    verdict.sourceRows += a.rows;
    verdict.destinationRows += b.rows;
    if (a.rows === b.rows && a.sum === b.sum) continue;
    verdict.mismatchedChunks++;
    const [fromSource, fromDestination] = await Promise.all([
      fingerprints(source, pair.source, range),
      fingerprints(destination, pair.destination, range),
    ]);
    const record = async (kind: DifferenceKind, keyJson: string) => {
      const key = JSON.parse(keyJson) as string[];
      const difference: RowDifference = {
        table: verdict.source,
        kind,
        key: Object.fromEntries(keyNames.map((k, i) => [k, key[i] ?? ""])),
      };
      if (kind === "different" && differences.length < MAX_DIFFERENCES) {
        difference.columns = await differingColumns(source, destination, pair, key);
      }
      differences.push(difference);
    };
    for (const [key, print] of fromSource) {
      const other = fromDestination.get(key);
      if (other === undefined) await record("missing", key);
      else if (other !== print) await record("different", key);
    }
    for (const key of fromDestination.keys()) if (!fromSource.has(key)) await record("extra", key);
  }
  return verdict;
}

/** A table left out of the comparison, with the reason. */
export function skippedTable(plan: TableCopyPlan, note: string): TableVerdict {
  return {
    source: plan.sourceTable.replaceAll("`", ""),
    destination: plan.destinationTable.replaceAll("`", ""),
    chunks: 0,
    mismatchedChunks: 0,
    sourceRows: 0,
    destinationRows: 0,
    note,
  };
}

export function verifyReport(tables: TableVerdict[], differences: RowDifference[]): VerifyReport {
  return {
    equal: differences.length === 0 && tables.every((t) => t.mismatchedChunks === 0),
    tables,
    differences: differences.slice(0, MAX_DIFFERENCES),
    truncated: differences.length > MAX_DIFFERENCES,
  };
}

export function renderVerifyReport(report: VerifyReport): string {
  const lines = ["Verify: source and destination compared chunk by chunk", ""];
  const width = Math.max(5, ...report.tables.map((t) => t.source.length));
  lines.push(`  ${"TABLE".padEnd(width)}  DESTINATION / SOURCE ROWS  CHUNKS  MISMATCHED`);
  for (const t of report.tables) {
    const rows = `${t.destinationRows} / ${t.sourceRows}`;
    lines.push(
      `  ${t.source.padEnd(width)}  ${rows.padEnd(25)}  ${String(t.chunks).padEnd(6)}  ${t.mismatchedChunks}`,
    );
  }
  const notes = report.tables.filter((t) => t.note);
  if (notes.length > 0) {
    lines.push("", "Notes:");
    for (const t of notes) lines.push(`  ${t.source}: ${t.note}`);
  }
  if (report.differences.length > 0) {
    lines.push("", "Rows that differ:");
    for (const d of report.differences) {
      const key = Object.entries(d.key)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ");
      const what = {
        missing: "missing in the destination",
        extra: "in the destination only",
        different: `different values${d.columns?.length ? ` in ${d.columns.join(", ")}` : ""}`,
      }[d.kind];
      lines.push(`  ${d.table} (${key}): ${what}`);
    }
    if (report.truncated)
      lines.push(`  ... more differences not listed (first ${report.differences.length} shown)`);
  }
  lines.push(
    "",
    !report.equal
      ? "Not equal: see the rows above."
      : notes.length > 0
        ? "Equal: every compared row and column arrived exactly (see the notes)."
        : "Equal: every selected row arrived exactly.",
  );
  return lines.join("\n");
}
