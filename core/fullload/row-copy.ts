import type { Connection } from "mysql2/promise";
import { type KeyRange, rangeCondition } from "../model/key-range.ts";
import type { Row } from "../model/row.ts";
import { snapshotRows } from "../pipeline/changes.ts";
import type { CompiledEtl } from "../pipeline/etl.ts";
import type { TableRoute } from "../pipeline/table-route.ts";
import type { RowEvent } from "../sinks/kafka/record.ts";
import type { KafkaWriter } from "../sinks/kafka/writer.ts";
import { quoteIdentifier } from "../sql/identifiers.ts";
import { insertInto, onDuplicateKey } from "../sql/upsert.ts";
import { sqlValueFor } from "../sql/values.ts";
import { type ChunkBatches, streamChunk } from "./chunk-stream.ts";
import { type CopyResult, loadQuery, writeChecked } from "./copy.ts";
import type { WriteMethod } from "./load-data.ts";
import { hexLoadTarget, isHexLoaded, loadFieldFor, loadStatement } from "./load-data.ts";
import { copyRangePushedDown, snapshotSql, writtenColumns } from "./pushdown-copy.ts";
import { exactSelect, type TableCopyPlan } from "./table-plan.ts";

/** What mysql2 hands a typeCast function for each value of a row. */
interface RawField {
  name: string;
  string(encoding: string): string | null;
  buffer(): Buffer | null;
}

export interface RowCopyOptions {
  rateLimitRowsPerSecond?: number | undefined;
  /** Rows handed to the writer at once (default 2,000). */
  batchRows?: number;
  onRows?: (rows: number) => void;
  /** The task's ETL script for this table: rows run through it (operation insert) before writing. */
  etl?: CompiledEtl | undefined;
  /** Commit timestamp the script sees for snapshot rows: when the full load started (epoch ms). */
  startedAt?: number;
  /** Only the rows of the chunk that meet this SQL condition. */
  condition?: string | undefined;
}

/** The columns read from the source: every selected column (generated ones too), not ETL-added ones. */
function readColumns(table: TableRoute) {
  return table.columns.filter((c) => !c.added);
}

/** The SELECT of a chunk for row-based copies: selected columns by name, FLOAT as its exact double. */
export function rowChunkSelect(
  plan: TableCopyPlan,
  table: TableRoute,
  range: KeyRange,
  condition?: string,
): string {
  const columns = readColumns(table).map((c) => {
    const name = quoteIdentifier(c.source);
    const select = exactSelect(name, c.definition.dataType);
    return select === name ? name : `${select} AS ${name}`;
  });
  const filter = plan.filterSql ? ` AND ${plan.filterSql}` : "";
  const only = condition ? ` AND ${condition}` : "";
  return `SELECT ${columns.join(", ")} FROM ${plan.sourceTable} WHERE ${rangeCondition(plan.sourceKey, range)}${filter}${only}`;
}

/**
 * Streams a chunk from the source as rows, in the shapes the binlog reader produces (server text
 * for numbers and temporal values, JS strings for text, bytes for binary, BIT and geometry), so a
 * snapshot row and a later change of it are handled alike. Reading goes on while the previous
 * batch is written (at most two batches outstanding), and pauses for the rate limit.
 */
function streamRows<Batch>(
  source: Connection,
  plan: TableCopyPlan,
  table: TableRoute,
  range: KeyRange,
  options: RowCopyOptions,
  writer: {
    /** Runs when a batch is full, before reading goes on: what the write needs, so the rows can go. */
    prepare: (rows: Row[]) => Batch;
    write: (batch: Batch) => Promise<void>;
  },
): Promise<CopyResult> {
  const batchRows = options.batchRows ?? 2_000;
  const bytesColumns = new Set(
    readColumns(table)
      .filter((c) => isHexLoaded(c.definition.dataType))
      .map((c) => c.source),
  );
  // Text is decoded straight from the packet and the row object is built by mysql2's generated
  // parser: no Buffer per value, no second pass over the row.
  const typeCast = (field: RawField) =>
    bytesColumns.has(field.name) ? field.buffer() : field.string("utf8");
  const commitTimestamp = options.startedAt ?? Date.now();
  let batch: Row[] = [];
  const batches: ChunkBatches<Row> = {
    add(row) {
      batch.push(row);
      return batch.length >= batchRows;
    },
    take() {
      const taken = batch;
      batch = [];
      const prepared = writer.prepare(snapshotRows(table, taken, commitTimestamp));
      return () => writer.write(prepared);
    },
  };
  const sql = rowChunkSelect(plan, table, range, options.condition);
  return streamChunk(source, { sql, typeCast: typeCast as never }, batches, options);
}

/** A chunk into Kafka as snapshot rows (dts-avro INIT, canal-json INSERT), acknowledged before it is done. */
export function copyRangeToKafka(
  source: Connection,
  writer: KafkaWriter,
  plan: TableCopyPlan,
  table: TableRoute,
  range: KeyRange,
  options: RowCopyOptions = {},
): Promise<CopyResult> {
  const sourceTimestamp = options.startedAt ?? Date.now();
  return streamRows(source, plan, table, range, options, {
    prepare: (rows) =>
      rows.map((after): RowEvent => ({ op: "init", table, after, sourceTimestamp, position: "" })),
    write: (events) => writer.writeRows(events),
  });
}

/** A MySQL copy through the ETL script: how existing rows are treated and how rows are written. */
export type EtlCopyOptions = RowCopyOptions & { keepExisting: boolean; method?: WriteMethod };

/**
 * A chunk into MySQL through the task's ETL script: rows are read as values, transformed and
 * written (LOAD DATA lines or multi-row upserts, see WriteMethod) with the selected and the
 * script's added columns.
 */
export function copyRangeWithEtl(
  source: Connection,
  destination: Connection,
  plan: TableCopyPlan,
  table: TableRoute,
  range: KeyRange,
  options: EtlCopyOptions,
): Promise<CopyResult> {
  if (options.method === "load" && options.etl && !options.etl.passThrough && !options.condition) {
    const snapshot = snapshotSql(options.etl, table, options.startedAt ?? Date.now());
    const viaJs = (condition: string, counted: boolean) =>
      copyRangeWithEtl(source, destination, plan, table, range, {
        ...options,
        condition,
        onRows: counted ? options.onRows : undefined,
      });
    if (snapshot)
      return copyRangePushedDown({ source, destination, plan, table, range, options, viaJs }, snapshot);
  }
  const written = writtenColumns(table);
  const destinationColumns = written.map((c) => quoteIdentifier(c.name));
  const dataTypes = written.map((c) => c.definition.dataType);
  const names = written.map((c) => c.source);
  // Smaller batches than Kafka's: four workers holding 2,000 rows each outgrew V8's young
  // generation, and the promotions cost more than the extra statements.
  const batchRows = options.batchRows ?? 500;
  const render =
    options.method === "load"
      ? rowsRenderer(names, dataTypes.map(loadFieldFor), LOAD_LINES)
      : rowsRenderer(names, dataTypes.map(sqlValueFor), INSERT_ROWS);
  const load = loadStatement(plan.destinationTable, hexLoadTarget(destinationColumns, dataTypes), "utf8mb4");
  const insert = insertInto(plan.destinationTable, destinationColumns);
  const suffix = onDuplicateKey(destinationColumns, plan.destinationKey, options.keepExisting);
  return streamRows(
    source,
    plan,
    table,
    range,
    { ...options, batchRows },
    {
      prepare: (rows) => {
        if (rows.length === 0) return undefined;
        const text = render(rows);
        if (options.method !== "load") return { sql: insert + text + suffix };
        return loadQuery(load, Buffer.from(text, "utf8"), rows.length);
      },
      write: async (query) => {
        if (query) await writeChecked(destination, query, plan, range);
      },
    },
  );
}

/** How rendered rows are joined: `(v1,v2),(v1,v2)` for an INSERT, tab-separated lines for LOAD DATA. */
const INSERT_ROWS = { first: "(", next: ",(", separator: ",", end: ")" };
const LOAD_LINES = { first: "", next: "", separator: "\t", end: "\n" };

function rowsRenderer(
  names: readonly string[],
  fields: readonly ((value: unknown) => string)[],
  shape: typeof INSERT_ROWS,
): (rows: Row[]) => string {
  return (rows) => {
    let out = "";
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as Row;
      out += r === 0 ? shape.first : shape.next;
      for (let i = 0; i < names.length; i++) {
        if (i > 0) out += shape.separator;
        out += (fields[i] as (value: unknown) => string)(row[names[i] as string] ?? null);
      }
      out += shape.end;
    }
    return out;
  };
}
