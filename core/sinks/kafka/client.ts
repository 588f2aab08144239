/**
 * The small Kafka interface the engine uses, so the client library can be swapped
 * (@platformatic/kafka produces; kafkajs runs transactions and precheck's admin calls).
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
  /** Present on a producer opened with a transactional id (delivery "exactly-once"). */
  transactions?: KafkaTransactions;
  /** Current partition count of a topic (fresh metadata). */
  partitionCount(topic: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Exactly-once writing: messages and the checkpoint that follows them commit in one Kafka
 * transaction. The checkpoint is the metadata of a consumer-group offset committed inside the
 * transaction (Kafka keeps it in its compacted __consumer_offsets topic), so it is visible if and
 * only if the messages are.
 */
export interface KafkaTransactions {
  /**
   * Takes over the transactional id: an older producer of the id is fenced (its next write fails)
   * and its open transaction aborted. Returns the last committed checkpoint, if any.
   */
  fence(): Promise<string | undefined>;
  /** Sends the requests in order, then commits them with `checkpoint` as one transaction. */
  commit(requests: readonly (readonly OutgoingMessage[])[], checkpoint: string): Promise<void>;
}

/** Where an exactly-once producer keeps its checkpoint: an offset's metadata of this group and topic. */
export interface TransactionalOptions {
  transactionalId: string;
  checkpointGroup: string;
  checkpointTopic: string;
}
