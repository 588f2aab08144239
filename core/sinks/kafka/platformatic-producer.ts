import { ProduceAcks, Producer } from "@platformatic/kafka";
import type { KafkaConnection, KafkaProducer, OutgoingMessage } from "./client.ts";
import { translateKafkaError } from "./kafka-errors.ts";

/**
 * The producer port on @platformatic/kafka: idempotent (one request in flight per broker, acks from
 * all replicas, sequence numbers so a retried request neither duplicates nor reorders), about a
 * third of kafkajs's CPU per message. Retries are bounded: the task's own retry window takes over.
 */
export async function connectPlatformaticProducer(connection: KafkaConnection): Promise<KafkaProducer> {
  const tls = connection.tls;
  const producer = new Producer({
    clientId: connection.clientId ?? "dts",
    bootstrapBrokers: connection.brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    retries: 5,
    retryDelay: 300,
    connectTimeout: 10_000,
    autocreateTopics: false,
    ...(tls
      ? {
          tls: {
            ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
            rejectUnauthorized: tls.rejectUnauthorized,
          },
        }
      : {}),
    ...(connection.sasl
      ? {
          sasl: {
            mechanism: "SCRAM-SHA-256" as const,
            username: connection.sasl.username,
            password: connection.sasl.password,
          },
        }
      : {}),
  });
  try {
    // Connects and logs in now, so a refused login is known before the first row.
    await producer.metadata({ topics: [] });
  } catch (error) {
    await producer.close().catch(() => undefined);
    throw translateKafkaError(error);
  }
  return {
    async send(messages: readonly OutgoingMessage[]) {
      if (messages.length === 0) return;
      try {
        await producer.send({
          messages: messages.map((m) => ({
            topic: m.topic,
            partition: m.partition,
            ...(m.key === null ? {} : { key: Buffer.from(m.key) }),
            value: m.value,
          })),
        });
      } catch (error) {
        throw translateKafkaError(error, true);
      }
    },
    async partitionCount(topic: string) {
      try {
        const metadata = await producer.metadata({ topics: [topic], forceUpdate: true });
        return metadata.topics.get(topic)?.partitionsCount ?? 0;
      } catch (error) {
        // A topic that does not exist has no partitions; the writer says what to do.
        if (/unknown topic|UNKNOWN_TOPIC/i.test(String((error as Error).message ?? ""))) return 0;
        throw translateKafkaError(error, true);
      }
    },
    async close() {
      await producer.close().catch(() => undefined);
    },
  };
}
