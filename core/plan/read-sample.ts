import type { Connection } from "mysql2/promise";
import { streamChunk } from "../fullload/chunk-stream.ts";
import { chunkSelect } from "../fullload/copy.ts";
import { rowChunkSelect } from "../fullload/row-copy.ts";
import type { TableCopyPlan } from "../fullload/table-plan.ts";
import type { TableRoute } from "../pipeline/table-route.ts";
import type { ReadSample } from "./estimate.ts";

/** Rows the first, single-reader read takes: warms the table's first pages and sizes the real sample. */
const PROBE_ROWS = 5_000;
/** ...and no more bytes than this by the statistics' row length (a table of large BLOBs). */
const PROBE_BYTES = 4 * 1024 * 1024;
/** Fewest rows each reader reads in the measured sample (a too short read measures only latency). */
const MIN_SAMPLE_ROWS = 2_000;

export interface SampleOptions {
  /** Seconds one reader should take, going by the probe's rate (the whole sample stays within readers x this). */
  budgetSeconds: number;
  /** The clock (ms): performance.now by default. */
  now?: () => number;
}

/**
 * The SELECT the copy runs on this table (whole table, LIMIT added): LOAD DATA lines for a MySQL
 * copy without a script that changes rows, the row SELECT otherwise (Kafka, ETL in Node). The
 * WHERE filter is left out: with it, a LIMIT could scan a large table for a few matching rows, and
 * a sample must take seconds (so a filtered table is estimated as if every row were copied).
 */
export function sampleSelect(plan: TableCopyPlan, route: TableRoute, kafka: boolean, rows: number): string {
  const all = { lower: null, upper: null };
  const unfiltered = { ...plan, filterSql: undefined };
  const byRows = kafka || (route.etl !== undefined && !route.etl.passThrough);
  const select = byRows ? rowChunkSelect(unfiltered, route, all) : chunkSelect(unfiltered, all, "load");
  return `${select} LIMIT ${Math.max(1, Math.floor(rows))}`;
}

/** Streams `sql` through the copy's read loop, keeping nothing; resolves with the rows read. */
async function readThrough(source: Connection, sql: string): Promise<number> {
  const { rows } = await streamChunk(
    source,
    { sql },
    { add: () => false, take: () => () => Promise.resolve() },
    { inFlight: 2 },
  );
  return rows;
}

/**
 * Measures how fast the source gives this table's rows to the copy's SELECT: a probe on one
 * connection, then every reader reading the same number of rows at once (as the copy's workers
 * do), timed from the first start to the last end. Reads only; undefined when the table is empty.
 */
export async function sampleTable(
  readers: Connection[],
  select: (rows: number) => string,
  table: { name: string; rows: number; rowBytes: number },
  options: SampleOptions,
): Promise<ReadSample | undefined> {
  const now = options.now ?? (() => performance.now());
  const [first] = readers;
  if (!first || table.rows <= 0) return undefined;
  let started = now();
  const probeRows = Math.max(
    100,
    Math.min(PROBE_ROWS, Math.floor(PROBE_BYTES / Math.max(1, table.rowBytes))),
  );
  const probed = await readThrough(first, select(Math.min(probeRows, table.rows)));
  const probeSeconds = (now() - started) / 1000;
  if (probed === 0) return undefined;
  // The whole table fits in the probe: that read is the sample.
  if (probed < probeRows)
    return { table: table.name, rows: probed, seconds: probeSeconds, readers: 1, rowBytes: table.rowBytes };
  const probeRate = probed / Math.max(probeSeconds, 1e-3);
  const each = Math.min(
    Math.max(MIN_SAMPLE_ROWS, Math.round(probeRate * options.budgetSeconds)),
    Math.max(table.rows, MIN_SAMPLE_ROWS),
  );
  started = now();
  const counts = await Promise.all(readers.map((reader) => readThrough(reader, select(each))));
  const seconds = (now() - started) / 1000;
  const rows = counts.reduce((n, c) => n + c, 0);
  return { table: table.name, rows, seconds, readers: readers.length, rowBytes: table.rowBytes };
}
