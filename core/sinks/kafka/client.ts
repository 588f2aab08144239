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
