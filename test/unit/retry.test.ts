import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
} from "kafkajs";
import { describe, expect, it } from "vitest";
import { FatalError, FencedError, RetriableError, SpecError } from "#core/errors.ts";
import { handlerCall, sinkLogger, useProcessLogger } from "#core/logger.ts";
import { asRetriable, isRetriable } from "#core/retry.ts";

/** An error as mysql2 throws it: an Error with the server's or the protocol's code. */
function mysqlError(code: string, message: string, fatal = false): Error {
  return Object.assign(new Error(message), { code, fatal, ...(fatal ? {} : { errno: 1213 }) });
}

/** A kafkajs error made as kafkajs makes it (its typings leave some constructors' arguments out). */
const kafkaError = (type: unknown, message: string) => new (type as new (m: string) => Error)(message);

const metadata = { $metadata: { httpStatusCode: 400 } };
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: "Transaction cancelled",
    ...metadata,
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe("the retry classifier", () => {
  it.each([
    ["a RetriableError", new RetriableError("lost")],
    [
      "a connection lost mid-query",
      mysqlError("PROTOCOL_CONNECTION_LOST", "Connection lost: The server closed the connection.", true),
    ],
    ["a reset socket", mysqlError("ECONNRESET", "read ECONNRESET")],
    ["a deadlock", mysqlError("ER_LOCK_DEADLOCK", "Deadlock found when trying to get lock")],
    ["a lock wait timeout", mysqlError("ER_LOCK_WAIT_TIMEOUT", "Lock wait timeout exceeded")],
    ["a killed connection", mysqlError("ER_CONNECTION_KILLED", "Connection was killed")],
    [
      "a command on a closed connection",
      new Error("Can't add new command when connection is in closed state"),
    ],
    ["a broker connection lost", new KafkaJSConnectionError("Connection error: ECONNREFUSED", {})],
    [
      "a leader moving",
      new KafkaJSProtocolError({
        message: "not leader",
        type: "NOT_LEADER_FOR_PARTITION",
        code: 6,
        retriable: true,
      } as never),
    ],
    [
      "kafkajs out of retries",
      new KafkaJSNumberOfRetriesExceeded(new Error("timeout"), { retryCount: 5, retryTime: 1 }),
    ],
    [
      "DynamoDB throttling",
      new ProvisionedThroughputExceededException({ message: "slow down", ...metadata }),
    ],
    ["a DynamoDB 500", new InternalServerError({ message: "oops", $metadata: { httpStatusCode: 500 } })],
    ["a transaction that met another", cancelled("None", "TransactionConflict")],
    // Mid-chunk: a statement cut short by a failover, a timeout or the network, a server that is full.
    ["an interrupted query", mysqlError("ER_QUERY_INTERRUPTED", "Query execution was interrupted")],
    [
      "MySQL's statement timeout",
      mysqlError(
        "ER_QUERY_TIMEOUT",
        "Query execution was interrupted, maximum statement execution time exceeded",
      ),
    ],
    [
      "MariaDB's statement timeout",
      Object.assign(new Error("Query execution was interrupted (max_statement_time exceeded)"), {
        errno: 1969,
      }),
    ],
    ["mysql2's query timeout", mysqlError("PROTOCOL_SEQUENCE_TIMEOUT", "Query inactivity timeout", true)],
    [
      "a network read that failed",
      mysqlError("ER_NET_READ_ERROR", "Got an error reading communication packets"),
    ],
    [
      "a write interrupted",
      mysqlError("ER_NET_WRITE_INTERRUPTED", "Got timeout writing communication packets"),
    ],
    ["a server with no connection to spare", mysqlError("ER_CON_COUNT_ERROR", "Too many connections")],
    ["a server gone away", Object.assign(new Error("MySQL server has gone away"), { errno: 2006 })],
    ["an aborted socket", mysqlError("ECONNABORTED", "socket aborted")],
    [
      "an error caused by a lost connection",
      new Error("copy failed", { cause: mysqlError("ECONNRESET", "reset") }),
    ],
  ])("retries %s", (_, error) => {
    expect(isRetriable(error)).toBe(true);
  });

  it.each([
    [
      "a FatalError, whatever its cause",
      new FatalError("stop", { cause: mysqlError("ECONNRESET", "reset") }),
    ],
    ["a FencedError", new FencedError("another writer")],
    ["a SpecError", new SpecError("bad spec")],
    ["a duplicate key", mysqlError("ER_DUP_ENTRY", "Duplicate entry '1' for key 'PRIMARY'")],
    ["a syntax error", mysqlError("ER_PARSE_ERROR", "You have an error in your SQL syntax")],
    ["a refused login", kafkaError(KafkaJSSASLAuthenticationError, "SASL PLAIN authentication failed")],
    ["a failed condition", new ConditionalCheckFailedException({ message: "no", ...metadata })],
    ["a transaction whose condition failed", cancelled("ConditionalCheckFailed", "None")],
    ["a bug", new TypeError("x is undefined")],
    ["a string", "ECONNRESET"],
    ["nothing", undefined],
  ])("does not retry %s", (_, error) => {
    expect(isRetriable(error)).toBe(false);
  });
});

describe("a task Lambda's call", () => {
  const event = { spec: { name: "orders" } };

  it("turns an error worth retrying into a RetriableError with the original as its cause, and logs it", async () => {
    const lines: Record<string, unknown>[] = [];
    useProcessLogger(sinkLogger((line) => lines.push(line)));
    const lost = mysqlError(
      "PROTOCOL_CONNECTION_LOST",
      "Connection lost: The server closed the connection.",
      true,
    );
    const call = handlerCall("copy-chunk", event, async () => {
      throw lost;
    });
    await expect(call).rejects.toBeInstanceOf(RetriableError);
    await expect(call).rejects.toMatchObject({
      name: "RetriableError",
      message: "PROTOCOL_CONNECTION_LOST: Connection lost: The server closed the connection.",
      cause: lost,
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      function: "copy-chunk",
      task: "orders",
      outcome: "failed",
      error: { name: "RetriableError", cause: "Connection lost: The server closed the connection." },
    });
  });

  it("leaves other errors as they are, and results alone", async () => {
    useProcessLogger(sinkLogger(() => undefined));
    const fatal = new FatalError("the table is gone");
    await expect(handlerCall("schema", event, () => Promise.reject(fatal))).rejects.toBe(fatal);
    const bug = new TypeError("x is undefined");
    await expect(handlerCall("schema", event, () => Promise.reject(bug))).rejects.toBe(bug);
    expect(await handlerCall("schema", event, async () => 42)).toBe(42);
    expect(asRetriable(fatal)).toBe(fatal);
    expect(
      asRetriable(new ProvisionedThroughputExceededException({ message: "slow down", ...metadata })),
    ).toMatchObject({
      name: "RetriableError",
      message: "ProvisionedThroughputExceededException: slow down",
    });
  });
});
