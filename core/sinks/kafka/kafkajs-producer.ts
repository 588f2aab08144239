import { CompressionTypes, type Message } from "kafkajs";
import { FatalError, RetriableError } from "../../errors.ts";
import type { KafkaConnection, KafkaProducer, OutgoingMessage, TransactionalOptions } from "./client.ts";
import { kafkajsClient } from "./kafkajs-admin.ts";
import { kafkajsTransactions } from "./kafkajs-transactions.ts";

/**
 * How long an exactly-once transaction may stay open: a tailer killed mid-transaction holds
 * read_committed consumers of its partitions back until its successor fences it or this passes.
 */
const TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * kafkajs marks transient failures (broker down, leader moving, timeouts) as retriable. A login
 * refused on a producer that is already `connected` (a new broker connection after the password
 * was rotated) is retriable: the task reconnects, and that login fetches the secret again
 * (core/sinks/kafka/login.ts) or fails for good.
 */
function translate(error: unknown, connected = false): Error {
  const e = error as { name?: string; message?: string; retriable?: boolean; originalError?: unknown };
  const text = `Kafka: ${e.message ?? String(error)}`;
  // A certificate that does not verify stays so on retry.
  if (/certificate|self[- ]signed|altnames|wrong version number|SSL routines/i.test(text))
    return new FatalError(
      `${text}: the brokers' TLS certificate was not accepted; check destination.tls (ca, and that the certificate names the broker host) and that the listener speaks TLS`,
      { cause: error },
    );
  if (
    e.retriable === true ||
    /Connection|NumberOfRetriesExceeded|RequestTimeout|Timeout|NotLeader|LeaderNotAvailable|BrokerNotAvailable/i.test(
      `${e.name ?? ""} ${e.message ?? ""}`,
    )
  )
    return new RetriableError(text, { cause: error });
  if (/larger than the max message size/i.test(text))
    return new FatalError(
      `${text}: a row is larger than the topic accepts; raise the topic's max.message.bytes (and the broker's message.max.bytes) above the largest row`,
      { cause: error },
    );
  if (/SASL|authentication/i.test(text) && connected)
    return new RetriableError(
      `${text}: a broker refused the login of a new connection (was the password rotated?); reconnecting`,
      { cause: error },
    );
  if (/SASL|authentication/i.test(text))
    return new FatalError(`${text}: check destination.sasl (user and password)`, { cause: error });
  return new FatalError(text, { cause: error });
}

/**
 * The producer port on kafkajs: idempotent, one request in flight, acks from all replicas. With
 * `transactional`, it writes only in Kafka transactions (see KafkaTransactions).
 */
export async function connectKafkaProducer(
  connection: KafkaConnection,
  transactional?: TransactionalOptions,
): Promise<KafkaProducer> {
  const kafka = kafkajsClient(connection, { connectTimeoutMs: 10_000 });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { retries: 5, initialRetryTime: 300 },
    ...(transactional
      ? { transactionalId: transactional.transactionalId, transactionTimeout: TRANSACTION_TIMEOUT_MS }
      : {}),
  });
  const admin = kafka.admin();
  try {
    await producer.connect();
    await admin.connect();
  } catch (error) {
    await producer.disconnect().catch(() => undefined);
    throw translate(error);
  }
  return {
    ...(transactional
      ? { transactions: kafkajsTransactions(producer, admin, transactional, (e) => translate(e, true)) }
      : {}),
    async send(messages: readonly OutgoingMessage[]) {
      if (messages.length === 0) return;
      if (transactional) throw new Error("an exactly-once producer writes only in transactions");
      const byTopic = new Map<string, Message[]>();
      for (const m of messages) {
        const list = byTopic.get(m.topic) ?? [];
        list.push({ partition: m.partition, key: m.key, value: m.value });
        byTopic.set(m.topic, list);
      }
      try {
        await producer.sendBatch({
          acks: -1,
          compression: CompressionTypes.None,
          topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
        });
      } catch (error) {
        throw translate(error, true);
      }
    },
    async partitionCount(topic: string) {
      try {
        const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
        return metadata.topics[0]?.partitions.length ?? 0;
      } catch (error) {
        throw translate(error, true);
      }
    },
    async close() {
      await Promise.all([producer.disconnect(), admin.disconnect()].map((p) => p.catch(() => undefined)));
    },
  };
}
