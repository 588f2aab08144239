import { type MessageToProduce, ProduceAcks, Producer, stringSerializer } from "@platformatic/kafka";
import type { KafkaConnection, KafkaProducer, OutgoingMessage } from "./client.ts";
import { translateKafkaError } from "./kafka-errors.ts";

/**
 * The producer port on @platformatic/kafka: idempotent (one request in flight per broker, acks from
 * all replicas, sequence numbers so a retried request neither duplicates nor reorders), about a
 * third of kafkajs's CPU per message. Retries are bounded: the task's own retry window takes over.
 */
export async function connectPlatformaticProducer(connection: KafkaConnection): Promise<KafkaProducer> {
  const tls = connection.tls;
  const producer = new Producer<string, Buffer, Buffer, Buffer>({
    clientId: connection.clientId ?? "dts",
    // Keys are the task's key text (UTF-8; a null key stays null); values are already bytes.
    serializers: { key: stringSerializer },
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
        // The port's messages are the library's too: no copy of each message on the way.
        await producer.send({
          messages: messages as unknown as MessageToProduce<string, Buffer, Buffer, Buffer>[],
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
