import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import type { Connection, QueryOptions, ResultSetHeader } from "mysql2/promise";
import { FatalError } from "../errors.ts";
import { type KeyRange, rangeCondition } from "../model/key-range.ts";
import { valueWarnings } from "../sinks/mysql/warnings.ts";
import { loadStatement, type WriteMethod } from "./load-data.ts";
import { ReadAhead } from "./read-ahead.ts";
import type { TableCopyPlan } from "./table-plan.ts";

export interface CopyOptions {
  /** ignore-and-proceed keeps destination rows whose key exists; otherwise the copy owns the table. */
  keepExisting: boolean;
  /** Rows per second across this copy, when the task sets a rate limit. */
  rateLimitRowsPerSecond?: number | undefined;
  /** How rows are written (default insert; see WriteMethod). */
  method?: WriteMethod;
  /** For load: a SELECT of lines and the LOAD DATA statement that reads them, instead of the plan's. */
  load?: { select: string; statement: string; onSkipped?: () => void } | undefined;
  /** Flush a batch when it reaches this many bytes (default 1 MiB). */
  batchBytes?: number;
  /** Batches sent but not yet acknowledged before reading pauses (default 2). */
  inFlight?: number;
  onRows?: (rows: number) => void;
}

export interface CopyResult {
  rows: number;
  /** CRC-32 of the rows as read, in key order (the same chunk read twice gives the same checksum). */
  checksum: string;
}

/** The SELECT that reads a chunk: selected columns, key range, WHERE filter. */
export function chunkSelect(plan: TableCopyPlan, range: KeyRange, method: WriteMethod = "insert"): string {
  const filter = plan.filterSql ? ` AND ${plan.filterSql}` : "";
  const rendered = method === "load" ? plan.lineSelect : plan.tupleSelect;
  return `SELECT ${rendered} FROM ${plan.sourceTable} WHERE ${rangeCondition(plan.sourceKey, range)}${filter}`;
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

/** The batches of one chunk: rows as the source rendered them, written by one method. */
interface Batches {
  add(value: string | Buffer | null): number;
  /** Takes the rows added so far: their checksum and the write that stores them. */
  take(checksum: number): { checksum: number; write: () => Promise<void> };
}

function insertBatches(
  destination: Connection,
  plan: TableCopyPlan,
  range: KeyRange,
  keepExisting: boolean,
): Batches {
  const prefix = insertPrefix(plan);
  const suffix = insertSuffix(plan, keepExisting);
  let tuples: string[] = [];
  return {
    add(value) {
      if (value === null) return 0;
      const text = typeof value === "string" ? value : value.toString("utf8");
      tuples.push(text);
      return text.length;
    },
    take(checksum) {
      const values = tuples.join(",");
      tuples = [];
      const sql = prefix + values + suffix;
      return {
        checksum: crc32(values, checksum),
        write: () => writeChecked(destination, { sql }, plan, range),
      };
    },
  };
}

function loadBatches(
  destination: Connection,
  plan: TableCopyPlan,
  range: KeyRange,
  sql: string,
  onSkipped?: () => void,
): Batches {
  let lines: Buffer[] = [];
  let bytes = 0;
  return {
    add(value) {
      if (value === null) {
        onSkipped?.(); // a row the source could not compute exactly (row-copy.ts)
        return 0;
      }
      const line = typeof value === "string" ? Buffer.from(value, "utf8") : value;
      if (line.length === 0) return 0; // a row the ETL script dropped (row-copy.ts)
      lines.push(line);
      bytes += line.length;
      return line.length;
    },
    take(checksum) {
      const data = Buffer.concat(lines, bytes);
      const count = lines.length;
      lines = [];
      bytes = 0;
      return {
        checksum: crc32(data, checksum),
        write: () => writeChecked(destination, loadQuery(sql, data, count), plan, range),
      };
    },
  };
}

function bound(values: string[] | null, none: string): string {
  return values ? `(${values.join(", ")})` : none;
}

function rangeWords(range: KeyRange): string {
  return `(rows with key after ${bound(range.lower, "the start")} up to ${bound(range.upper, "the end")})`;
}

/** A LOAD DATA LOCAL statement with the lines it sends as its file, and how many there are. */
export function loadQuery(sql: string, data: Buffer, lines: number): QueryOptions & { lines: number } {
  return { sql, infileStreamFactory: () => Readable.from([data]), lines };
}

/**
 * Runs a write (INSERT or LOAD DATA) and stops the chunk if it left warnings (see failOnWarnings)
 * or, for LOAD DATA, if the server did not read every line it was sent.
 */
export async function writeChecked(
  destination: Connection,
  query: QueryOptions & { lines?: number },
  plan: TableCopyPlan,
  range: KeyRange,
): Promise<void> {
  const { lines, ...options } = query;
  const [result] = await destination.query(options);
  const header = result as ResultSetHeader;
  if (lines !== undefined) {
    const records = Number(/Records: (\d+)/.exec(header.info ?? "")?.[1] ?? Number.NaN);
    if (records !== lines) {
      throw new FatalError(
        `writing ${plan.destinationTable} ${rangeWords(range)}: the destination read ${records} of ${lines} lines (${header.info}); the chunk is not marked done`,
      );
    }
  }
  if (header.warningStatus > 0) await failOnWarnings(destination, plan, range, header.warningStatus);
}

/** A chunk whose writes changed a value on the way in is not exact: it stops the task. */
async function failOnWarnings(
  destination: Connection,
  plan: TableCopyPlan,
  range: KeyRange,
  count: number,
): Promise<void> {
  const messages = await valueWarnings(destination);
  if (messages.length === 0) return;
  throw new FatalError(
    `writing ${plan.destinationTable} ${rangeWords(range)} ` +
      `gave ${count} warning(s), so some values would not arrive exactly: ${messages.slice(0, 3).join("; ")}. ` +
      "Make the destination column able to hold the source's values (type, length, character set) and run the task again.",
    { details: messages },
  );
}

/**
 * Streams a chunk from the source and writes it in batches of about `batchBytes`, reading ahead
 * while the destination writes (bounded: reading pauses while `inFlight` writes are unacknowledged).
 * The source renders each row (tuple.ts, load-data.ts), so values never become JS numbers or dates.
 */
export function copyRange(
  source: Connection,
  destination: Connection,
  plan: TableCopyPlan,
  range: KeyRange,
  options: CopyOptions,
): Promise<CopyResult> {
  const batchBytes = options.batchBytes ?? 1 << 20;
  const method = options.method ?? "insert";
  const batches =
    method === "load"
      ? loadBatches(
          destination,
          plan,
          range,
          options.load?.statement ?? loadStatement(plan.destinationTable, plan.loadTarget),
          options.load?.onSkipped,
        )
      : insertBatches(destination, plan, range, options.keepExisting);
  const core = (source as unknown as { connection: import("mysql2").Connection }).connection;

  return new Promise<CopyResult>((resolve, reject) => {
    let pending = 0;
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
      if (pending === 0) return;
      const batch = batches.take(checksum);
      checksum = batch.checksum;
      const count = pending;
      pending = 0;
      bytes = 0;
      pacing.write(async () => {
        await batch.write();
        options.onRows?.(count);
      });
    };

    const select = options.load?.select ?? chunkSelect(plan, range, method);
    const query = core.query({ sql: select, rowsAsArray: true });
    query.on("result", (row: unknown) => {
      if (pacing.failed) return;
      bytes += batches.add((row as [string | Buffer | null])[0]);
      pending++;
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
