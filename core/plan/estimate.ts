/**
 * The arithmetic of `dts plan`: chunk counts from the statistics, and the full load's ETA from a
 * measured read sample. Pure functions, so the model can be checked without a server.
 *
 * The ETA model (summed up under the printed plan, after "how:"):
 * - The source read rate is measured: the copy's own SELECT, streamed by `readers` connections at
 *   once (as many as the copy runs chunks at once, up to a cap), for about half a second each.
 * - Copy workers beyond the sampled readers are assumed to scale linearly (they may not: a source
 *   with fewer cores than workers saturates earlier, and then the ETA is optimistic).
 * - The destination's write speed is not measured (plan writes nothing). Writing a row (LOAD DATA
 *   into InnoDB: parse, insert into the key's B-tree, redo log) costs more than reading it, and the
 *   copy pays both: on bench:full's 1M rows (source, destination and copy on one 2-core machine)
 *   the chunked copy took 3-6x the sampled read time (about 4x in the median; the machine was shared,
 *   so runs varied 3x), so the read time is multiplied by WRITE_FACTOR. Kafka's factor comes from
 *   the README's benchmark rates (its full load 4-5x slower than MySQL's); it has not been checked
 *   against a measured run the same way.
 * - Each chunk also pays a fixed cost (claim, heartbeat and done in the chunk ledger).
 * - fullLoad.rateLimitRowsPerSecond caps the rate; deferred index builds after the copy and the
 *   schema phase are not included; WHERE filters and scripts that drop rows are not either (every
 *   row of the statistics is counted as copied).
 */
export const WRITE_FACTOR = 4;
export const KAFKA_WRITE_FACTOR = 18;
/** Seconds of ledger bookkeeping per chunk (claim, heartbeats, done), spread over the workers. */
export const CHUNK_OVERHEAD_SECONDS = 0.05;

/** Chunk count the planner will produce for a table of `rows` rows (at least one: the open-ended last range). */
export function estimateChunks(rows: number, rowsPerChunk: number): number {
  return Math.max(1, Math.ceil(Math.max(0, rows) / Math.max(1, rowsPerChunk)));
}

/** What a read sample measured on one table: rows read by `readers` connections at once, in `seconds` of wall time. */
export interface ReadSample {
  /** Source table (database.table). */
  table: string;
  rows: number;
  seconds: number;
  readers: number;
  /** The table's average row length from the statistics (to carry the rate to tables not sampled). */
  rowBytes: number;
}

/** A table as the ETA sees it. */
export interface EtaTable {
  table: string;
  rows: number;
  rowBytes: number;
  chunks: number;
}

export interface EtaInput {
  tables: EtaTable[];
  samples: ReadSample[];
  parallelism: number;
  rateLimitRowsPerSecond?: number | undefined;
  destination: "mysql" | "kafka";
}

export interface Eta {
  /** Estimated seconds of the chunked copy; undefined when nothing could be sampled but there are rows. */
  seconds: number | undefined;
  /** Measured source read rate with every worker reading (rows/s, before the write factor). */
  readRowsPerSecond: number | undefined;
  /** Copy rate the ETA assumes (rows/s), after the write factor and the rate limit. */
  copyRowsPerSecond: number | undefined;
  workers: number;
  writeFactor: number;
  /** How the figure was made, in words (printed under the plan). */
  model: string;
}

/** Rows per second one sample reached with `workers` copying (readers beyond the sampled ones scale linearly). */
function sampledRate(sample: ReadSample, workers: number): number {
  const rate = sample.rows / Math.max(sample.seconds, 1e-3);
  return (rate * workers) / Math.max(1, sample.readers);
}

/**
 * A table's read rate: its own sample, else the largest sample's rate carried over by row width
 * (a row twice as wide reads about half as fast; bounded to 4x either way, since narrow rows cost
 * a per-row overhead the width does not show).
 */
function tableRate(table: EtaTable, samples: ReadSample[], workers: number): number | undefined {
  const own = samples.find((s) => s.table === table.table);
  if (own) return sampledRate(own, workers);
  const [reference] = samples;
  if (!reference) return undefined;
  const ratio = reference.rowBytes > 0 && table.rowBytes > 0 ? reference.rowBytes / table.rowBytes : 1;
  return sampledRate(reference, workers) * Math.min(4, Math.max(0.25, ratio));
}

/** The full load's ETA (chunked copy) from the read samples; see the model above. */
export function estimateEta(input: EtaInput): Eta {
  const totalChunks = input.tables.reduce((n, t) => n + t.chunks, 0);
  const totalRows = input.tables.reduce((n, t) => n + Math.max(0, t.rows), 0);
  // A worker copies one chunk at a time: fewer chunks than workers leave some idle.
  const workers = Math.max(1, Math.min(input.parallelism, totalChunks));
  const writeFactor = input.destination === "kafka" ? KAFKA_WRITE_FACTOR : WRITE_FACTOR;
  let readSeconds = 0;
  for (const table of input.tables) {
    if (table.rows <= 0) continue;
    const rate = tableRate(table, input.samples, workers);
    if (rate === undefined || !(rate > 0)) {
      return {
        seconds: undefined,
        readRowsPerSecond: undefined,
        copyRowsPerSecond: undefined,
        workers,
        writeFactor,
        model: "no ETA: no rows could be read from the source to measure its read rate",
      };
    }
    readSeconds += table.rows / rate;
  }
  let copySeconds = readSeconds * writeFactor;
  const limit = input.rateLimitRowsPerSecond;
  if (limit !== undefined && totalRows / limit > copySeconds) copySeconds = totalRows / limit;
  const seconds = copySeconds + (totalChunks * CHUNK_OVERHEAD_SECONDS) / workers;
  const readRowsPerSecond = readSeconds > 0 ? totalRows / readSeconds : undefined;
  const copyRowsPerSecond = copySeconds > 0 ? totalRows / copySeconds : undefined;
  const sampled = input.samples
    .map(
      (s) =>
        `${s.rows.toLocaleString("en-US")} rows of ${s.table} by ${s.readers} reader(s) in ${s.seconds.toFixed(2)} s`,
    )
    .join("; ");
  const model = [
    sampled ? `source read measured: ${sampled}` : "no rows to read",
    `${workers} worker(s) (fullLoad.parallelism ${input.parallelism}, ${totalChunks} chunk(s))`,
    `destination writes not measured: read time x${writeFactor}`,
    limit !== undefined ? `capped at fullLoad.rateLimitRowsPerSecond ${limit}` : undefined,
    "every row counted as copied (filters not applied); schema phase and index builds after the copy not included",
  ]
    .filter((part) => part !== undefined)
    .join("; ");
  return { seconds, readRowsPerSecond, copyRowsPerSecond, workers, writeFactor, model };
}
