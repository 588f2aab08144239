import { Readable } from "node:stream";
import type { Connection, QueryOptions, ResultSetHeader } from "mysql2/promise";
import { FatalError } from "../errors.ts";
import { type KeyRange, rangeCondition } from "../model/key-range.ts";
import { valueWarnings } from "../sinks/mysql/warnings.ts";
import { insertInto, onDuplicateKey } from "../sql/upsert.ts";
import { type ChunkBatches, streamChunk } from "./chunk-stream.ts";
import { loadStatement, type WriteMethod } from "./load-data.ts";
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
  /** Rows read from the source (a script may have dropped some of them). */
  rows: number;
}

/** The SELECT that reads a chunk: selected columns, key range, WHERE filter. */
export function chunkSelect(plan: TableCopyPlan, range: KeyRange, method: WriteMethod = "insert"): string {
  const filter = plan.filterSql ? ` AND ${plan.filterSql}` : "";
  const rendered = method === "load" ? plan.lineSelect : plan.tupleSelect;
  return `SELECT ${rendered} FROM ${plan.sourceTable} WHERE ${rangeCondition(plan.sourceKey, range)}${filter}`;
}

/** The batches of one chunk: rows as the source rendered them, written by one method. */
interface Batches {
  add(value: string | Buffer | null): number;
  /** Takes the rows added so far: the write that stores them. */
  take(): () => Promise<void>;
}

function insertBatches(
  destination: Connection,
  plan: TableCopyPlan,
  range: KeyRange,
  keepExisting: boolean,
): Batches {
  const prefix = insertInto(plan.destinationTable, plan.destinationColumns);
  // Copying a chunk twice gives the same rows; ignore-and-proceed keeps rows that were there.
  const suffix = onDuplicateKey(plan.destinationColumns, plan.destinationKey, keepExisting);
  let tuples: string[] = [];
  return {
    add(value) {
      if (value === null) return 0;
      const text = typeof value === "string" ? value : value.toString("utf8");
      tuples.push(text);
      return text.length;
    },
    take() {
      const sql = prefix + tuples.join(",") + suffix;
      tuples = [];
      return () => writeChecked(destination, { sql }, plan, range);
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
    take() {
      const data = Buffer.concat(lines, bytes);
      const count = lines.length;
      lines = [];
      bytes = 0;
      return () => writeChecked(destination, loadQuery(sql, data, count), plan, range);
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
  let bytes = 0;
  const byBytes: ChunkBatches<[string | Buffer | null]> = {
    add(row) {
      bytes += batches.add(row[0]);
      return bytes >= batchBytes;
    },
    take() {
      bytes = 0;
      return batches.take();
    },
  };
  const select = options.load?.select ?? chunkSelect(plan, range, method);
  return streamChunk(source, { sql: select, rowsAsArray: true }, byBytes, options);
}
