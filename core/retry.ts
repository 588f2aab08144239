/**
 * What is worth retrying, decided once for the task Lambdas and the tailer: lost connections,
 * lock waits and deadlocks, a broker or DynamoDB that is briefly unavailable or throttling.
 * A DtsError already says what it is (RetriableError yes, every other class no); anything else
 * is judged by its code, name and flags, and by its cause.
 */
import { DtsError, RetriableError } from "./errors.ts";

/** Node socket errors and mysql2 / MariaDB error codes of a connection lost or a lock not got. */
const CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "PROTOCOL_CONNECTION_LOST",
  "ER_CONNECTION_KILLED",
  "ER_SERVER_SHUTDOWN",
  "ER_LOCK_DEADLOCK",
  "ER_LOCK_WAIT_TIMEOUT",
]);

/** AWS SDK error names of throttling and of a service briefly unable to answer (DynamoDB among them). */
const AWS_TRANSIENT = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "Throttling",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "InternalServerError",
  "InternalFailure",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "TransactionConflictException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

/**
 * kafkajs errors of a broker or leader briefly away that it does not mark retriable itself (its
 * own retries ran out, or a wait timed out).
 */
const KAFKA_TRANSIENT = /^KafkaJS(NumberOfRetriesExceeded|Timeout|LockTimeout|ConnectionClosedError)$/;

/** Messages of a connection that went away, whatever the library. */
const LOST =
  /connection lost|server closed the connection|Connection was killed|closed state|socket hang up/i;

/** How far a cause chain is followed. */
const DEPTH = 5;

/** Whether `error` is worth retrying within the task's retry window. */
export function isRetriable(error: unknown, depth = 0): boolean {
  if (error instanceof RetriableError) return true;
  if (error instanceof DtsError) return false;
  if (error === null || typeof error !== "object") return false;
  const e = error as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    fatal?: unknown;
    retriable?: unknown;
    cause?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    CancellationReasons?: { Code?: string }[];
  };
  const name = typeof e.name === "string" ? e.name : "";
  if (typeof e.code === "string" && CODES.has(e.code)) return true;
  // mysql2 marks errors that end the connection as fatal.
  if (e.fatal === true) return true;
  if (typeof e.message === "string" && LOST.test(e.message)) return true;
  // kafkajs marks transient failures (broker down, leader moving, timeouts) as retriable.
  if (e.retriable === true || KAFKA_TRANSIENT.test(name)) return true;
  if (AWS_TRANSIENT.has(name) || e.$retryable !== undefined) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  // A transaction cancelled only by throttling or a conflicting transaction.
  if (name === "TransactionCanceledException") {
    const codes = (e.CancellationReasons ?? []).map((r) => r.Code ?? "None").filter((c) => c !== "None");
    if (codes.length > 0 && codes.every((c) => c === "ThrottlingError" || c === "TransactionConflict"))
      return true;
  }
  return depth < DEPTH && e.cause !== undefined && isRetriable(e.cause, depth + 1);
}

/**
 * The error a task Lambda throws for `error`: a RetriableError (which the state machine's Retry
 * takes) when it is worth retrying but not one yet, with the original as its cause; else itself.
 */
export function asRetriable(error: unknown): unknown {
  if (error instanceof DtsError || !isRetriable(error)) return error;
  const e = error as { name?: string; code?: string; message?: string };
  const label = [e.name, e.code].filter((part) => part && part !== "Error").join(" ");
  return new RetriableError(`${label ? `${label}: ` : ""}${e.message ?? String(error)}`, { cause: error });
}
