import type { Connection as CoreConnection, QueryOptions } from "mysql2";
import type { Connection } from "mysql2/promise";
import { ReadAhead } from "./read-ahead.ts";

/**
 * The one streaming loop of every full-load copy: a chunk's SELECT is streamed from the source,
 * rows go into a batch, a full batch is handed to its write, and reading runs ahead of the writes
 * (bounded: it pauses while `inFlight` writes are unacknowledged, and for the rate limit). The
 * first failure rejects the chunk.
 */
export interface ChunkBatches<R> {
  /** Adds a row read from the source; true when the batch is full. */
  add(row: R): boolean;
  /**
   * Takes the rows added since the last take, at once (while they are young: holding rows until
   * their write is acknowledged made V8 promote them): the write that stores them.
   */
  take(): () => Promise<void>;
}

export interface StreamOptions {
  /** Batches written but not yet acknowledged before reading pauses (default 2). */
  inFlight?: number;
  rateLimitRowsPerSecond?: number | undefined;
  /** Rows stored so far, after each write. */
  onRows?: (rows: number) => void;
}

/**
 * The callback connection under mysql2's promise connection: only it streams a result row by row
 * and can be paused. mysql2 keeps it as `connection` without declaring it for this class, so it
 * is read here, once, and checked.
 */
function streamingConnection(source: Connection): CoreConnection {
  const core = (source as unknown as { connection?: CoreConnection }).connection;
  if (!core || typeof core.query !== "function" || typeof core.pause !== "function")
    throw new Error("mysql2's connection does not expose its streaming connection: check the mysql2 version");
  return core;
}

/** Streams `query` from the source through `batches`; resolves with the rows read once every write is done. */
export function streamChunk<R>(
  source: Connection,
  query: QueryOptions,
  batches: ChunkBatches<R>,
  options: StreamOptions = {},
): Promise<{ rows: number }> {
  const core = streamingConnection(source);
  return new Promise((resolve, reject) => {
    let rows = 0;
    let pending = 0;
    let ended = false;
    const pacing = new ReadAhead(core, {
      maxInFlight: options.inFlight ?? 2,
      rateLimitRowsPerSecond: options.rateLimitRowsPerSecond,
      onError: reject,
    });
    const flush = () => {
      if (pending === 0) return;
      const count = pending;
      pending = 0;
      let write: () => Promise<void>;
      try {
        write = batches.take();
      } catch (error) {
        pacing.fail(error);
        return;
      }
      pacing.write(async () => {
        await write();
        options.onRows?.(count);
      });
    };
    const stream = core.query(query);
    stream.on("result", (row: unknown) => {
      if (pacing.failed) return;
      pending++;
      rows++;
      if (batches.add(row as R)) flush();
      pacing.throttle(rows);
    });
    stream.on("error", (error: unknown) => pacing.fail(error));
    stream.on("end", () => {
      if (ended) return;
      ended = true;
      flush();
      pacing.finished().then(() => {
        if (!pacing.failed) resolve({ rows });
      });
    });
  });
}
