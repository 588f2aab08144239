import { CompressionTypes, type Message } from "kafkajs";
import type { KafkaConnection, KafkaProducer, OutgoingMessage, TransactionalOptions } from "./client.ts";
import { translateKafkaError as translate } from "./kafka-errors.ts";
import { kafkajsClient } from "./kafkajs-admin.ts";
import { kafkajsTransactions } from "./kafkajs-transactions.ts";

/**
 * How long an exactly-once transaction may stay open: a tailer killed mid-transaction holds
 * read_committed consumers of its partitions back until its successor fences it or this passes.
 */
const TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * The producer port on kafkajs: idempotent, one request in flight, acks from all replicas. With
 * `transactional`, it writes only in Kafka transactions (see KafkaTransactions).
 */
export async function connectKafkajsProducer(
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
