import { Kafka, logLevel } from "kafkajs";
import type { KafkaAdmin, KafkaConnection } from "./client.ts";

export function kafkajsClient(
  connection: KafkaConnection,
  options: { connectTimeoutMs?: number } = {},
): Kafka {
  return new Kafka({
    clientId: connection.clientId ?? "dts",
    brokers: connection.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: options.connectTimeoutMs ?? 5_000,
    retry: { retries: 2, initialRetryTime: 200 },
    ssl: connection.tls
      ? { ca: connection.tls.ca, rejectUnauthorized: connection.tls.rejectUnauthorized }
      : false,
    sasl: connection.sasl
      ? { mechanism: "scram-sha-256", username: connection.sasl.username, password: connection.sasl.password }
      : undefined,
  });
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
