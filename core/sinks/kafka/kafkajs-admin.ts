import { Kafka, type KafkaConfig, logLevel } from "kafkajs";
import type { KafkaAdmin, KafkaConnection } from "./client.ts";

/**
 * kafkajs options for a connection: TLS (Node verifies the chain and the broker's host name unless
 * rejectUnauthorized is false) and SASL/SCRAM. Every Kafka client the project makes goes through it.
 */
export function kafkajsOptions(
  connection: KafkaConnection,
  options: { connectTimeoutMs?: number } = {},
): KafkaConfig {
  const tls = connection.tls;
  return {
    clientId: connection.clientId ?? "dts",
    brokers: connection.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: options.connectTimeoutMs ?? 5_000,
    retry: { retries: 2, initialRetryTime: 200 },
    ssl: tls
      ? { ...(tls.ca !== undefined ? { ca: tls.ca } : {}), rejectUnauthorized: tls.rejectUnauthorized }
      : false,
    ...(connection.sasl
      ? {
          sasl: {
            mechanism: "scram-sha-256" as const,
            username: connection.sasl.username,
            password: connection.sasl.password,
          },
        }
      : {}),
  };
}

export function kafkajsClient(
  connection: KafkaConnection,
  options: { connectTimeoutMs?: number } = {},
): Kafka {
  return new Kafka(kafkajsOptions(connection, options));
}

export async function connectKafkaAdmin(connection: KafkaConnection): Promise<KafkaAdmin> {
  const admin = kafkajsClient(connection).admin();
  await admin.connect();
  return {
    async topicPartitions(topics) {
      const existing = new Set(await admin.listTopics());
      const wanted = topics.filter((t) => existing.has(t));
      if (wanted.length === 0) return {};
      const metadata = await admin.fetchTopicMetadata({ topics: wanted });
      return Object.fromEntries(metadata.topics.map((t) => [t.name, t.partitions.length]));
    },
    close: () => admin.disconnect(),
  };
}
