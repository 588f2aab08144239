import { crc32 } from "node:zlib";
import type { Connection } from "mysql2/promise";
import { type KeyRange, rangeCondition } from "./range.ts";
import { ReadAhead } from "./read-ahead.ts";
import type { TableCopyPlan } from "./table-plan.ts";

export interface CopyOptions {
  /** ignore-and-proceed keeps destination rows whose key exists; otherwise the copy owns the table. */
  keepExisting: boolean;
  /** Rows per second across this copy, when the task sets a rate limit. */
  rateLimitRowsPerSecond?: number | undefined;
  /** Flush an INSERT when it reaches this many bytes (default 1 MiB). */
  batchBytes?: number;
  /** INSERTs sent but not yet acknowledged before reading pauses (default 2). */
  inFlight?: number;
  onRows?: (rows: number) => void;
}

export interface CopyResult {
  rows: number;
  /** CRC-32 of the rows as read, in key order (the same chunk read twice gives the same checksum). */
  checksum: string;
}

/** The SELECT that reads a chunk: selected columns, key range, WHERE filter. */
export function chunkSelect(plan: TableCopyPlan, range: KeyRange): string {
  const filter = plan.filterSql ? ` AND ${plan.filterSql}` : "";
  return `SELECT ${plan.tupleSelect} FROM ${plan.sourceTable} WHERE ${rangeCondition(plan.sourceKey, range)}${filter}`;
}

function insertPrefix(plan: TableCopyPlan): string {
  return `INSERT INTO ${plan.destinationTable} (${plan.destinationColumns.join(", ")}) VALUES `;
}

/**
 * Copying a chunk twice gives the same result: a row whose key exists is overwritten with the
 * source's values; under ignore-and-proceed it is kept as it is (and, unlike INSERT IGNORE,
 * every other error still fails the chunk).
 */
export function insertSuffix(plan: TableCopyPlan, keepExisting: boolean): string {
  const first = plan.destinationKey[0] ?? "";
  if (keepExisting) return ` ON DUPLICATE KEY UPDATE ${first} = ${first}`;
  const keys = new Set(plan.destinationKey);
  const values = plan.destinationColumns.filter((c) => !keys.has(c)).map((c) => `${c} = VALUES(${c})`);
  return ` ON DUPLICATE KEY UPDATE ${values.length > 0 ? values.join(", ") : `${first} = ${first}`}`;
}

/**
 * Streams a chunk from the source and writes it with multi-row INSERTs, reading ahead while the
 * destination writes (bounded: reading pauses while `inFlight` INSERTs are unacknowledged).
 * The source renders each row as a SQL tuple (tuple.ts), so values never become JS numbers or dates.
 */
export function copyRange(
  source: Connection,
  destination: Connection,
  plan: TableCopyPlan,
  range: KeyRange,
  options: CopyOptions,
): Promise<CopyResult> {
  const batchBytes = options.batchBytes ?? 1 << 20;
  const prefix = insertPrefix(plan);
  const suffix = insertSuffix(plan, options.keepExisting);
  const core = (source as unknown as { connection: import("mysql2").Connection }).connection;

  return new Promise<CopyResult>((resolve, reject) => {
    let batch: string[] = [];
    let bytes = 0;
    let rows = 0;
    let checksum = 0;
    let ended = false;
    const pacing = new ReadAhead(core, {
      maxInFlight: options.inFlight ?? 2,
      rateLimitRowsPerSecond: options.rateLimitRowsPerSecond,
      onError: reject,
    });
    const flush = () => {
      if (batch.length === 0) return;
      const values = batch.join(",");
      checksum = crc32(values, checksum);
      const sql = prefix + values + suffix;
      const count = batch.length;
      batch = [];
      bytes = 0;
      pacing.write(async () => {
        await destination.query(sql);
        options.onRows?.(count);
      });
    };

    const query = core.query({ sql: chunkSelect(plan, range), rowsAsArray: true });
    query.on("result", (row: unknown) => {
      if (pacing.failed) return;
      const value = (row as [string | Buffer])[0];
      const text = typeof value === "string" ? value : value.toString("utf8");
      batch.push(text);
      bytes += text.length;
      rows++;
      if (bytes >= batchBytes) flush();
      pacing.throttle(rows);
    });
    query.on("error", (error: unknown) => pacing.fail(error));
    query.on("end", () => {
      if (ended) return;
      ended = true;
      flush();
      pacing.finished().then(() => {
        if (!pacing.failed) resolve({ rows, checksum: checksum.toString() });
      });
    });
  });
}
