import type { Connection } from "mysql2/promise";
import type { SnapshotSql } from "../etl/model.ts";
import { NUMERIC_TYPES, TEMPORAL_TYPES } from "../model/data-types.ts";
import { type KeyRange, rangeCondition } from "../model/key-range.ts";
import type { CompiledEtl } from "../pipeline/etl.ts";
import type { TableRoute } from "../pipeline/table-route.ts";
import { quoteIdentifier } from "../sql/identifiers.ts";
import { type CopyResult, copyRange } from "./copy.ts";
import {
  constantAssignment,
  escaped,
  hexLoadTarget,
  isHexLoaded,
  loadFieldExpression,
  loadFieldFor,
  loadStatement,
  loadTarget,
} from "./load-data.ts";
import type { TableCopyPlan } from "./table-plan.ts";

/** The columns an ETL copy writes, in order: selected source columns, then etl.addColumns. */
export function writtenColumns(table: TableRoute) {
  return table.columns.filter((c) => !c.definition.generated);
}

const TEXT_TYPES = new Set([
  "char",
  "varchar",
  "tinytext",
  "text",
  "mediumtext",
  "longtext",
  "enum",
  "set",
  "json",
]);

/**
 * The script's lines go in CHARACTER SET binary, as the plain copy's (the destination reads them
 * ~10% cheaper than utf8mb4 text), when every text column written is utf8mb4: the bytes of a
 * computed text are then the column's own. Otherwise in utf8mb4, which the destination converts.
 */
function linesAsBytes(table: TableRoute): boolean {
  return writtenColumns(table).every((c) =>
    c.added ? !TEXT_TYPES.has(c.definition.dataType) : (c.definition.charset ?? "utf8mb4") === "utf8mb4",
  );
}

/** The script as SQL for a table's full-load rows, with the character set its lines are in. */
export type PushedDownSql = SnapshotSql & { charset: "binary" | "utf8mb4" };

/** The task's script as SQL for this table's full-load rows (core/etl/pushdown.ts), if it has one. */
export function snapshotSql(
  etl: CompiledEtl,
  table: TableRoute,
  commitTimestamp: number,
): PushedDownSql | undefined {
  const bytes = linesAsBytes(table);
  const nullField = (sql: string) => `IFNULL(${sql}, X'5C4E')`;
  const sql = etl.snapshotSql({
    commitTimestamp,
    written: writtenColumns(table).map((c) => ({ name: c.source, dataType: c.definition.dataType })),
    untouchedField: (column, dataType) => {
      const name = quoteIdentifier(column);
      const definition = table.columns.find((c) => c.source === column)?.definition;
      const nullable = definition?.nullable !== false;
      // The plain copy's field: the column's own bytes.
      if (bytes) return loadFieldExpression({ column: name, dataType, nullable });
      const orNull = nullable ? nullField : (field: string) => field;
      if (isHexLoaded(dataType)) return orNull(`HEX(${name})`);
      if (dataType === "float") return orNull(`${name} + 0E0`);
      if (NUMERIC_TYPES.has(dataType)) return orNull(name);
      if (TEMPORAL_TYPES.has(dataType)) return orNull(`CAST(${name} AS BINARY)`); // ASCII text
      // Escaped as bytes: REPLACE on utf8mb4 text searches character by character (perf: most
      // of the source's time), on its bytes it is a plain byte search with the same result.
      const text = definition?.charset === "utf8mb4" ? name : `CAST(${name} AS CHAR CHARACTER SET utf8mb4)`;
      return orNull(escaped(`CAST(${text} AS BINARY)`));
    },
    computedField: (sql, text, nullable) => {
      const field = text ? escaped(`CAST(${sql} AS BINARY)`) : sql;
      return nullable ? nullField(field) : field;
    },
    fieldOf: (dataType, value) => loadFieldFor(dataType)(value),
  });
  return sql && { ...sql, charset: bytes ? "binary" : "utf8mb4" };
}

/** The LOAD DATA statement of a pushed-down chunk: the columns in its lines, then the constants. */
function pushedDownStatement(plan: TableCopyPlan, table: TableRoute, snapshot: PushedDownSql): string {
  const constants = new Map(snapshot.constants.map((c) => [c.column, c.field]));
  const inLines = writtenColumns(table).filter((c) => !constants.has(c.source));
  const assignments = writtenColumns(table).flatMap((c) => {
    const field = constants.get(c.source);
    return field === undefined
      ? []
      : [constantAssignment(quoteIdentifier(c.name), c.definition.dataType, field)];
  });
  const target = snapshot.charset === "binary" ? loadTarget : hexLoadTarget;
  return loadStatement(
    plan.destinationTable,
    target(
      inLines.map((c) => quoteIdentifier(c.name)),
      inLines.map((c) => c.definition.dataType),
      assignments,
    ),
    snapshot.charset,
  );
}

/** One chunk of a MySQL copy whose script the source computes. */
export interface PushedDownChunk {
  source: Connection;
  destination: Connection;
  plan: TableCopyPlan;
  table: TableRoute;
  range: KeyRange;
  options: {
    keepExisting: boolean;
    rateLimitRowsPerSecond?: number | undefined;
    onRows?: (rows: number) => void;
  };
  /** The chunk's rows that meet a condition, through the JS path (counted in progress or not). */
  viaJs: (condition: string, counted: boolean) => Promise<CopyResult>;
}

/**
 * A chunk whose script the source computes: the rows SQL transforms exactly arrive as ready
 * LOAD DATA lines (no work per row in Node); the rows a guard leaves out (text that is not plain
 * ASCII under str_upper, say) go through the JS path. A query the server refuses (a BIGINT
 * overflow) sends the whole chunk through JS, which writes the same rows again.
 */
export async function copyRangePushedDown(
  chunk: PushedDownChunk,
  snapshot: PushedDownSql,
): Promise<CopyResult> {
  const { source, destination, plan, table, range, options } = chunk;
  const where = [rangeCondition(plan.sourceKey, range), plan.filterSql].filter((c) => c !== undefined);
  // A dropped row comes as an empty line and a row SQL cannot compute exactly as NULL: both are
  // counted as read, neither is loaded; the NULL ones are read again for JS when there were any.
  let line = snapshot.drop ? `IF(${snapshot.drop}, X'', ${snapshot.line})` : snapshot.line;
  if (snapshot.guard) line = `IF(${snapshot.guard}, ${line}, NULL)`;
  let leftToJs = 0;
  let computed: CopyResult;
  try {
    computed = await copyRange(source, destination, plan, range, {
      keepExisting: options.keepExisting,
      rateLimitRowsPerSecond: options.rateLimitRowsPerSecond,
      onRows: options.onRows,
      method: "load",
      load: {
        select: `SELECT ${line} FROM ${plan.sourceTable} WHERE ${where.join(" AND ")}`,
        statement: pushedDownStatement(plan, table, snapshot),
        onSkipped: () => leftToJs++,
      },
    });
  } catch (error) {
    if ((error as { errno?: number }).errno !== 1690) throw error;
    return chunk.viaJs("TRUE", true); // every row of the chunk, through JS
  }
  if (leftToJs === 0) return computed;
  // Exactly the rows that came as NULL: outside a guard, or NULL where the translation expected none.
  await chunk.viaJs(`(${line}) IS NULL`, false);
  return computed;
}
