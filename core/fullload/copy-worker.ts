import type { Connection } from "mysql2/promise";
import { FatalError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { isRetriable } from "../retry.ts";
import type { KafkaWriter } from "../sinks/kafka/writer.ts";
import type { TaskSpec } from "../spec/schema.ts";
import { type Chunk, type ChunkLedger, ChunkLostError, claimOf } from "../store/chunk-ledger.ts";
import { ChunkHeartbeat, intervalTicker, type Ticker } from "./chunk-heartbeat.ts";
import {
  type ChunkRetryPolicy,
  chunkError,
  DEFAULT_CHUNK_RETRY,
  describeRange,
  INTERRUPTED,
  retryAt,
} from "./chunk-retry.ts";
import { copyRange } from "./copy.ts";
import { chooseWriteMethod, refusesLoadData, type WriteMethod } from "./load-data.ts";
import { copyRangeToKafka, copyRangeWithEtl } from "./row-copy.ts";
import { type CopyTable, copyTables } from "./service.ts";

export interface CopyWorkerContext {
  spec: TaskSpec;
  execution: string;
  worker: number;
  workers: number;
  source: Connection;
  /** A MySQL connection, or the task's Kafka writer. */
  destination: Connection | KafkaWriter;
  ledger: ChunkLedger;
  /** Stop claiming new chunks after this time (ms since epoch): Lambda's 15-minute limit. */
  deadline?: number;
  /** When the full load started (epoch ms): snapshot rows' commit time for ETL and Kafka. */
  startedAt?: number;
  /** Called after each chunk is marked done (metrics). */
  onChunkDone?: (rows: number) => Promise<void>;
  /** The clock (epoch ms) of the deadline and the heartbeats. */
  now?: () => number;
  /** How heartbeats are timed: every quarter of the ledger's timeout by default, on this process's timers. */
  heartbeat?: { intervalMs?: number; ticker?: Ticker };
  /** Where a chunk lost to another worker, or one whose copy failed, is told. */
  log?: Logger;
  /** How a chunk whose copy failed is tried again (chunk-retry.ts): the spec's and the config's, else the defaults. */
  retry?: Partial<ChunkRetryPolicy>;
}

export interface CopyWorkerResult {
  copied: number;
  /** Stopped before the chunks ran out: at the deadline, or after a copy that failed and will be retried. */
  more: boolean;
  /** The chunk this worker marked failed (the task stops: FullLoadStatus reports it). */
  failed?: string;
  /** The chunk this worker gave back after its copy failed (tried again after its backoff). */
  released?: string;
}

/** A copy worker writes a MySQL connection or a Kafka writer (kept out of MySQL tasks' imports). */
function isKafkaWriter(destination: Connection | KafkaWriter): destination is KafkaWriter {
  return typeof (destination as Partial<KafkaWriter>).writeRows === "function";
}

/**
 * Claims chunks and copies them until none is left (or the deadline nears); returns chunks copied.
 * While it copies a chunk it keeps the chunk's heartbeat. A copy that fails with a retriable error
 * gives the chunk back with the error and a backoff, and the worker returns (its connections may
 * be gone: the next round's workers have new ones); any other error, or one attempt too many,
 * marks the chunk failed and the worker returns (FullLoadStatus then stops the task). A chunk
 * claimed again by another worker of this execution (this one's heartbeat went silent) is left to
 * that worker. Chunks an earlier execution marked failed are given back first (a resumed task).
 */
export async function runCopyWorker(context: CopyWorkerContext): Promise<CopyWorkerResult> {
  const { spec, execution, ledger } = context;
  const now = context.now ?? Date.now;
  const policy: ChunkRetryPolicy = {
    maxAttempts:
      context.retry?.maxAttempts ?? spec.fullLoad.maxChunkAttempts ?? DEFAULT_CHUNK_RETRY.maxAttempts,
    backoffMs: context.retry?.backoffMs ?? DEFAULT_CHUNK_RETRY.backoffMs,
  };
  const reopened = await ledger.reopen(spec.name, execution);
  if (reopened > 0)
    context.log?.info("failed chunks given back to be copied again", { task: spec.name, reopened });
  const tables = await copyTables(spec, context.source);
  const keepExisting = spec.conflictMode === "ignore-and-proceed";
  const writer: ChunkWriter = {
    method: isKafkaWriter(context.destination)
      ? "insert"
      : await chooseWriteMethod(context.destination, keepExisting),
    keepExisting,
  };
  let copied = 0;
  for (;;) {
    if (context.deadline !== undefined && now() > context.deadline) return { copied, more: true };
    // A chunk failed for good: the task stops once the workers return, so claim no more.
    if ((await ledger.failed(spec.name)).length > 0) return { copied, more: false };
    const chunk = await ledger.claim(spec.name, execution, context.worker, context.workers);
    if (!chunk) return { copied, more: false };
    const claim = claimOf(chunk);
    // One claim past the limit: the last attempt recorded no error (an error at the limit fails
    // the chunk), so its worker timed out or died in it.
    if (chunk.attempts > policy.maxAttempts) {
      const before = chunk.lastError ? `; the last error before: ${chunk.lastError.message}` : "";
      const error = {
        message: `${INTERRUPTED}${before}`,
        at: new Date(now()).toISOString(),
        attempt: chunk.attempts - 1,
      };
      if (await ledger.fail(claim, error))
        return failed(context, copied, chunk, error.message, chunk.attempts - 1);
      continue;
    }
    const heartbeat = new ChunkHeartbeat(ledger, claim, {
      now,
      intervalMs: context.heartbeat?.intervalMs ?? ledger.heartbeatTimeoutMs / 4,
      ticker: context.heartbeat?.ticker ?? intervalTicker,
    });
    heartbeat.start();
    let rows: number;
    try {
      const table = tables[chunk.tableIndex];
      if (!table)
        throw new FatalError(`chunk ${chunk.id} names table ${chunk.table} that the task no longer selects`);
      rows = await copyChunk(context, writer, table, chunk, heartbeat);
    } catch (error) {
      await heartbeat.stop();
      const failure = chunkError(error, chunk.attempts, now());
      if (isRetriable(error) && chunk.attempts < policy.maxAttempts) {
        const at = retryAt(now(), chunk.attempts, policy);
        await ledger.release(claim, { error: failure, retryAt: at });
        context.log?.warn("chunk copy failed: tried again after its backoff", {
          task: spec.name,
          chunk: chunk.id,
          table: chunk.table,
          attempt: chunk.attempts,
          retryAt: at,
          error: failure.message,
        });
        return { copied, more: true, released: chunk.id };
      }
      // Lost meanwhile: the worker that holds the chunk now decides.
      if (!(await ledger.fail(claim, failure))) return { copied, more: true };
      return failed(context, copied, chunk, failure.message, chunk.attempts);
    }
    await heartbeat.stop();
    try {
      await ledger.markDone(claim, rows);
    } catch (error) {
      if (!(error instanceof ChunkLostError && error.sameExecution)) throw error;
      context.log?.warn("chunk claimed again by another worker", { task: spec.name, chunk: chunk.id, error });
      continue;
    }
    await context.onChunkDone?.(rows);
    copied++;
  }
}

/** Tells that the worker marked `chunk` failed; the task stops when FullLoadStatus finds it. */
function failed(
  context: CopyWorkerContext,
  copied: number,
  chunk: Chunk,
  error: string,
  attempts: number,
): CopyWorkerResult {
  context.log?.error("chunk failed: the task stops", {
    task: context.spec.name,
    chunk: chunk.id,
    table: chunk.table,
    range: describeRange(chunk),
    attempts,
    error,
  });
  return { copied, more: false, failed: chunk.id };
}

/** How this worker writes MySQL: the method can fall back from LOAD DATA to INSERT once, for every later chunk. */
interface ChunkWriter {
  method: WriteMethod;
  keepExisting: boolean;
}

/** Copies one claimed chunk; returns the rows written. */
async function copyChunk(
  context: CopyWorkerContext,
  writer: ChunkWriter,
  table: CopyTable,
  chunk: Chunk,
  heartbeat: ChunkHeartbeat,
): Promise<number> {
  const { spec, source, destination } = context;
  const rateLimitRowsPerSecond = spec.fullLoad.rateLimitRowsPerSecond
    ? Math.max(1, Math.floor(spec.fullLoad.rateLimitRowsPerSecond / context.workers))
    : undefined;
  const onRows = (rows: number) => heartbeat.copied(rows);
  const rowOptions = { rateLimitRowsPerSecond, onRows, etl: table.route.etl, startedAt: context.startedAt };
  if (isKafkaWriter(destination))
    return (await copyRangeToKafka(source, destination, table.plan, table.route, chunk, rowOptions)).rows;
  const { keepExisting } = writer;
  const intoMysql = (using: WriteMethod) =>
    table.route.etl && !table.route.etl.passThrough
      ? copyRangeWithEtl(source, destination, table.plan, table.route, chunk, {
          ...rowOptions,
          keepExisting,
          method: using,
        })
      : copyRange(source, destination, table.plan, chunk, {
          keepExisting,
          rateLimitRowsPerSecond,
          onRows,
          method: using,
        });
  const result = await intoMysql(writer.method).catch((error: unknown) => {
    // A server or proxy that refuses LOAD DATA LOCAL although local_infile is on.
    if (writer.method !== "load" || !refusesLoadData(error)) throw error;
    writer.method = "insert";
    heartbeat.restart();
    return intoMysql(writer.method);
  });
  return result.rows;
}
