/**
 * What is worth retrying, decided once for the task Lambdas and the tailer: lost connections,
 * lock waits and deadlocks, a broker or DynamoDB that is briefly unavailable or throttling.
 * A DtsError already says what it is (RetriableError yes, every other class no); anything else
 * is judged by its code, name and flags, and by its cause.
 */
import { DtsError, RetriableError } from "./errors.ts";

/**
 * Node socket errors and mysql2 / MariaDB error codes of a connection lost or a lock not got, and
 * of a statement cut short mid-chunk: interrupted (a failover, a KILL QUERY), timed out (MySQL's
 * max_execution_time, mysql2's query timeout), a network read or write that failed, a server with
 * no connection to spare.
 */
const CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_CONNECTION_KILLED",
  "ER_SERVER_SHUTDOWN",
  "ER_LOCK_DEADLOCK",
  "ER_LOCK_WAIT_TIMEOUT",
  "ER_QUERY_INTERRUPTED",
  "ER_QUERY_TIMEOUT",
  "ER_CLIENT_INTERACTION_TIMEOUT",
  "ER_NET_READ_ERROR",
  "ER_NET_READ_INTERRUPTED",
  "ER_NET_ERROR_ON_WRITE",
  "ER_NET_WRITE_INTERRUPTED",
  "ER_CON_COUNT_ERROR",
]);

/**
 * Server error numbers with no mysql2 code name: MariaDB's max_statement_time (1969), and the
 * client's "server has gone away" / "lost connection during query" (2006, 2013) as proxies report them.
 */
const ERRNOS = new Set([1969, 2006, 2013]);

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
  /connection lost|lost connection|server closed the connection|Connection was killed|closed state|socket hang up|server has gone away|max_statement_time exceeded/i;

/** How far a cause chain is followed. */
const DEPTH = 5;

/** Whether `error` is worth retrying within the task's retry window. */
export function isRetriable(error: unknown, depth = 0): boolean {
  if (error instanceof RetriableError) return true;
  if (error instanceof DtsError) return false;
  if (error === null || typeof error !== "object") return false;
  const e = error as {
    code?: unknown;
    errno?: unknown;
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
  if (typeof e.errno === "number" && ERRNOS.has(e.errno)) return true;
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
