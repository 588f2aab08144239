import { crc32 } from "node:zlib";
import type { Connection } from "mysql2/promise";
import type { KafkaTable, RowEvent } from "../sinks/kafka/record.ts";
import type { KafkaWriter } from "../sinks/kafka/writer.ts";
import { quoteIdentifier } from "../sql/identifiers.ts";
import type { Row } from "../stream/events.ts";
import type { CopyResult } from "./copy.ts";
import { type KeyRange, rangeCondition } from "./range.ts";
import { exactSelect, type TableCopyPlan } from "./table-plan.ts";
import { SPATIAL_TYPES } from "./tuple.ts";

const BYTES = new Set([
  "binary",
  "varbinary",
  "tinyblob",
  "blob",
  "mediumblob",
  "longblob",
  "bit",
  ...SPATIAL_TYPES,
]);

export interface KafkaCopyOptions {
  rateLimitRowsPerSecond?: number | undefined;
  /** Messages per produce request (default 2,000). */
  batchRows?: number;
  onRows?: (rows: number) => void;
}

/** The SELECT of a chunk for Kafka: every selected column (generated ones too), exact FLOAT. */
export function kafkaChunkSelect(plan: TableCopyPlan, table: KafkaTable, range: KeyRange): string {
  const columns = table.columns.map((c) => exactSelect(quoteIdentifier(c.source), c.definition.dataType));
  const filter = plan.filterSql ? ` AND ${plan.filterSql}` : "";
  return `SELECT ${columns.join(", ")} FROM ${plan.sourceTable} WHERE ${rangeCondition(plan.sourceKey, range)}${filter}`;
}

/**
 * Streams a chunk from the source into Kafka as snapshot rows (dts-avro INIT, canal-json INSERT).
 * Values are read as the server's text (typeCast off) and handed to the formats in the shapes the
 * binlog reader produces, so a snapshot row and a later change of it encode alike. Reading goes
 * on while the previous batch is produced; the chunk is done once every message is acknowledged.
 */
export function copyRangeToKafka(
  source: Connection,
  writer: KafkaWriter,
  plan: TableCopyPlan,
  table: KafkaTable,
  range: KeyRange,
  options: KafkaCopyOptions = {},
): Promise<CopyResult> {
  const batchRows = options.batchRows ?? 2_000;
  const core = (source as unknown as { connection: import("mysql2").Connection }).connection;
  const started = Date.now();
  const bytesColumn = table.columns.map((c) => BYTES.has(c.definition.dataType));
  const names = table.columns.map((c) => c.source);

  return new Promise<CopyResult>((resolve, reject) => {
    let batch: RowEvent[] = [];
    let rows = 0;
    let checksum = 0;
    let inFlight = 0;
    let paused = false;
    let failed = false;
    let writes: Promise<void> = Promise.resolve();
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      if (paused) core.resume();
      reject(error);
    };
    const resume = () => {
      if (paused && inFlight < 1) {
        paused = false;
        core.resume();
      }
    };
    const flush = () => {
      if (batch.length === 0) return;
      const events = batch;
      batch = [];
      inFlight++;
      writes = writes.then(async () => {
        if (failed) return;
        await writer.writeRows(events);
        inFlight--;
        options.onRows?.(events.length);
        resume();
      });
      writes.catch(fail);
      if (inFlight >= 2 && !paused) {
        paused = true;
        core.pause();
      }
    };
    const throttle = () => {
      const limit = options.rateLimitRowsPerSecond;
      if (!limit) return;
      const due = started + (rows / limit) * 1000 - Date.now();
      if (due > 20 && !paused) {
        paused = true;
        core.pause();
        setTimeout(resume, due);
      }
    };
    const query = core.query({
      sql: kafkaChunkSelect(plan, table, range),
      rowsAsArray: true,
      typeCast: false,
    });
    query.on("result", (raw: unknown) => {
      if (failed) return;
      const values = raw as (Buffer | null)[];
      const row: Row = {};
      for (let i = 0; i < names.length; i++) {
        const value = values[i] ?? null;
        if (value) checksum = crc32(value, checksum);
        row[names[i] as string] = value === null || bytesColumn[i] ? value : value.toString("utf8");
      }
      batch.push({ op: "init", table, after: row, sourceTimestamp: started, position: "" });
      rows++;
      if (batch.length >= batchRows) flush();
      throttle();
    });
    query.on("error", fail);
    query.on("end", () => {
      flush();
      writes.then(() => {
        if (!failed) resolve({ rows, checksum: checksum.toString() });
      }, fail);
    });
  });
}
