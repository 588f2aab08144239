/**
 * The small Kafka interface the engine uses, so the client library can be swapped
 * (kafkajs today; @platformatic/kafka is the likely successor).
 */
export interface KafkaConnection {
  brokers: string[];
  sasl?: { username: string; password: string } | undefined;
  tls?: { ca?: string | undefined; rejectUnauthorized: boolean } | undefined;
  clientId?: string;
}

export interface KafkaAdmin {
  /** topic -> partition count, for the topics that exist (missing topics are absent; none is created). */
  topicPartitions(topics: readonly string[]): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** One message to produce: partition chosen by the task's policy, key as documented there. */
export interface OutgoingMessage {
  topic: string;
  partition: number;
  key: string | null;
  value: Buffer;
}

/**
 * An idempotent producer: `send` resolves once the brokers acknowledged every message (acks=all),
 * messages to one partition are written in the order given, and a retried request never
 * duplicates or reorders them. Connection failures reject with a RetriableError.
 */
export interface KafkaProducer {
  send(messages: readonly OutgoingMessage[]): Promise<void>;
  /** Current partition count of a topic (fresh metadata). */
  partitionCount(topic: string): Promise<number>;
  close(): Promise<void>;
}
