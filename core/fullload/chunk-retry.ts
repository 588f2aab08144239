/**
 * What happens to a chunk whose copy failed. A retriable error (a connection lost mid-chunk, a
 * timeout, a lock wait, a server gone away: core/retry.ts) gives the chunk back with its error and
 * a backoff that doubles with each attempt (1, 2, 4 … minutes by default, capped at 16 times the
 * first), so a failover or an overloaded server is waited out while the other chunks go on. Any
 * other error, or an attempt past the task's limit, marks the chunk failed and stops the task with
 * the chunk's table, range, attempts and last error.
 */
import { FatalError } from "../errors.ts";
import { redactText } from "../redact.ts";
import type { Chunk, ChunkError } from "../store/chunk.ts";

/** Attempts of one chunk before it fails the task (spec fullLoad.maxChunkAttempts). */
export const DEFAULT_MAX_CHUNK_ATTEMPTS = 5;

/** The first backoff (core/config.ts DTS_CHUNK_RETRY_BACKOFF_MS has the same default). */
export const DEFAULT_CHUNK_RETRY_BACKOFF_MS = 60_000;

/** The longest backoff, in first backoffs: 16 minutes by default. */
const BACKOFF_CAP = 16;

/** How much of an error's text a chunk keeps (a DynamoDB item, and the task's lastError, stay small). */
const ERROR_CHARS = 500;

export interface ChunkRetryPolicy {
  /** Attempts of one chunk before it fails the task. */
  maxAttempts: number;
  /** The backoff after a first failed attempt (ms); doubled after each further one. */
  backoffMs: number;
}

export const DEFAULT_CHUNK_RETRY: ChunkRetryPolicy = {
  maxAttempts: DEFAULT_MAX_CHUNK_ATTEMPTS,
  backoffMs: DEFAULT_CHUNK_RETRY_BACKOFF_MS,
};

/** When a chunk whose attempt `attempt` failed at `now` may be claimed again (ISO 8601). */
export function retryAt(now: number, attempt: number, policy: ChunkRetryPolicy): string {
  const factor = Math.min(BACKOFF_CAP, 2 ** Math.max(0, attempt - 1));
  return new Date(now + policy.backoffMs * factor).toISOString();
}

/** The error as a chunk records it: name or code, then the message, without credentials, cut short. */
export function chunkError(error: unknown, attempt: number, now: number): ChunkError {
  const e = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  const label = [e.name, e.code]
    .filter((part): part is string => typeof part === "string" && part !== "" && part !== "Error")
    .join(" ");
  const text = typeof e.message === "string" && e.message !== "" ? e.message : String(error);
  const message = redactText(label ? `${label}: ${text}` : text).replace(/\s+/g, " ");
  return {
    message: message.length > ERROR_CHARS ? `${message.slice(0, ERROR_CHARS - 1)}…` : message,
    at: new Date(now).toISOString(),
    attempt,
  };
}

/** A chunk's key range for people: "id after (100) up to (200)", "from the start up to …", "… to the end". */
export function describeRange(chunk: Pick<Chunk, "lower" | "upper">): string {
  const bound = (values: string[]) => `(${values.join(", ")})`;
  const from = chunk.lower ? `key after ${bound(chunk.lower)}` : "from the start";
  const to = chunk.upper ? `up to ${bound(chunk.upper)}` : "to the end";
  return `${from} ${to}`;
}

/** An attempt that never recorded an error: its worker timed out, ran out of memory or was stopped. */
export const INTERRUPTED =
  "the copy was cut short without an error (its worker timed out, ran out of memory or stopped)";

/**
 * A chunk failed for good: the task stops with this. The message is what the task's lastError
 * shows: which chunk (table and key range), how many attempts, the last error, and what to do.
 */
export class ChunkFailedError extends FatalError {
  /** `others`: more chunks failed besides this one (the message says so; the ledger lists them). */
  constructor(chunk: Pick<Chunk, "id" | "table" | "lower" | "upper" | "attempts" | "lastError">, others = 0) {
    // The attempt that failed last (a chunk failed at its claim counts that claim too).
    const count = chunk.lastError?.attempt ?? chunk.attempts;
    const attempts = `${count} attempt${count === 1 ? "" : "s"}`;
    super(
      `chunk ${chunk.id} of ${chunk.table} (${describeRange(chunk)}) failed after ${attempts}: ${(chunk.lastError?.message ?? INTERRUPTED).replace(/\.$/, "")}. Fix the cause, then resume the task (dts resume, or POST /tasks/{name}/resume): the failed chunk is copied again and the chunks done are kept${others > 0 ? ` (${others} more chunk${others === 1 ? "" : "s"} failed too)` : ""}`,
    );
  }
}
