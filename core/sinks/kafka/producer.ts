import type { KafkaConnection, KafkaProducer, TransactionalOptions } from "./client.ts";

/**
 * The task's producer: @platformatic/kafka for at-least-once (the faster client), kafkajs for
 * exactly-once (its transactions can commit an offset with metadata, the checkpoint).
 */
export async function connectKafkaProducer(
  connection: KafkaConnection,
  transactional?: TransactionalOptions,
): Promise<KafkaProducer> {
  if (transactional) {
    const { connectKafkajsProducer } = await import("./kafkajs-producer.ts");
    return connectKafkajsProducer(connection, transactional);
  }
  const { connectPlatformaticProducer } = await import("./platformatic-producer.ts");
  return connectPlatformaticProducer(connection);
}
