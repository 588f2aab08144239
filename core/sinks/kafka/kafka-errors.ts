import { FatalError, RetriableError } from "../../errors.ts";

interface ErrorNode {
  name?: string;
  code?: string | number;
  message?: string;
  retriable?: boolean;
  canRetry?: boolean;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown[];
}

/**
 * Every error in a Kafka client's error tree: the error, its causes and, for aggregated errors
 * (a request retried, one failure per broker), each of those.
 */
export function kafkaErrorTree(error: unknown, depth = 0): ErrorNode[] {
  if (error === null || typeof error !== "object" || depth > 8) return [];
  const e = error as ErrorNode;
  return [
    e,
    ...kafkaErrorTree(e.cause, depth + 1),
    ...kafkaErrorTree(e.originalError, depth + 1),
    ...(Array.isArray(e.errors) ? e.errors.flatMap((c) => kafkaErrorTree(c, depth + 1)) : []),
  ];
}

/** A SASL login the brokers refused, as either client reports it. */
export function isKafkaLoginRefused(error: unknown): boolean {
  return kafkaErrorTree(error).some(
    (e) =>
      e.name === "KafkaJSSASLAuthenticationError" ||
      e.code === "PLT_KFK_AUTHENTICATION" ||
      (typeof e.message === "string" &&
        /SASL .*(authentication failed|invalid username or password)/i.test(e.message)),
  );
}

const TRANSIENT =
  /Connection|NumberOfRetriesExceeded|RequestTimeout|Timeout|NotLeader|LeaderNotAvailable|BrokerNotAvailable|ECONNREFUSED|ECONNRESET/i;

/**
 * A Kafka client's error as the task sees it. Transient failures (broker down, leader moving,
 * timeouts: what the client marks retriable) are retried. A login refused on a producer that is
 * already `connected` (a new broker connection after the password was rotated) is retriable: the
 * task reconnects, and that login fetches the secret again (login.ts) or fails for good.
 */
export function translateKafkaError(error: unknown, connected = false): Error {
  const tree = kafkaErrorTree(error);
  const messages = tree.map((e) => e.message ?? "").filter((m) => m !== "");
  const text = `Kafka: ${[...new Set(messages)].join(": ") || String(error)}`;
  // A certificate that does not verify stays so on retry.
  if (/certificate|self[- ]signed|altnames|wrong version number|SSL routines/i.test(text))
    return new FatalError(
      `${text}: the brokers' TLS certificate was not accepted; check destination.tls (ca, and that the certificate names the broker host) and that the listener speaks TLS`,
      { cause: error },
    );
  if (/larger than the max message size/i.test(text))
    return new FatalError(
      `${text}: a row is larger than the topic accepts; raise the topic's max.message.bytes (and the broker's message.max.bytes) above the largest row`,
      { cause: error },
    );
  if (isKafkaLoginRefused(error))
    return connected
      ? new RetriableError(
          `${text}: a broker refused the login of a new connection (was the password rotated?); reconnecting`,
          { cause: error },
        )
      : new FatalError(`${text}: check destination.sasl (user and password)`, { cause: error });
  if (
    tree.some(
      (e) =>
        e.retriable === true || e.canRetry === true || TRANSIENT.test(`${e.name ?? ""} ${e.message ?? ""}`),
    )
  )
    return new RetriableError(text, { cause: error });
  return new FatalError(text, { cause: error });
}
