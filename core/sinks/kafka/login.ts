import { connectWithSecret } from "../../adapters/secrets.ts";
import type { KafkaDestination, TaskSpec } from "../../spec/schema.ts";
import type { KafkaProducer, TransactionalOptions } from "./client.ts";
import { isKafkaLoginRefused } from "./kafka-errors.ts";
import { connectKafkaProducer } from "./producer.ts";
import { kafkaConnectionWith } from "./writer.ts";

/** A SASL login the brokers refused (either client; wrappers keep it as a cause). */
export function isSaslRefused(error: unknown): boolean {
  return isKafkaLoginRefused(error);
}

/**
 * The task's producer. A SASL password from a secret that the brokers refuse is fetched again
 * once (rotated, e.g. an MSK SCRAM secret) before the refusal stops the task.
 */
export function connectTaskProducer(
  destination: KafkaDestination,
  clientId: string,
  transactional?: TransactionalOptions,
): Promise<KafkaProducer> {
  return connectWithSecret(
    destination.sasl ?? {},
    (password) => connectKafkaProducer(kafkaConnectionWith(destination, password, clientId), transactional),
    isSaslRefused,
  );
}

/**
 * The transactional id and checkpoint group of a task's exactly-once tailer: one per task, so a
 * task's new tailer fences its old one and tasks never fence each other.
 */
export function exactlyOnceIds(spec: TaskSpec, destination: KafkaDestination): TransactionalOptions {
  return {
    transactionalId: `dts-${spec.name}`,
    checkpointGroup: `dts-${spec.name}-checkpoint`,
    checkpointTopic: destination.topic,
  };
}
