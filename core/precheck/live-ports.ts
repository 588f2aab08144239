import { resolvePassword } from "../adapters/secrets.ts";
import type { KafkaConnection, TransactionalOptions } from "../sinks/kafka/client.ts";
import type { KafkaDestination, TaskSpec } from "../spec/schema.ts";
import { inspectMysqlDestination, inspectMysqlSource } from "./inspect.ts";
import type { PrecheckPorts } from "./run.ts";
import type { KafkaDestinationFacts, Unreachable } from "./types.ts";

/** Starts a transactional producer and reads the checkpoint group, as an exactly-once tailer will. */
async function probeTransactions(
  connection: KafkaConnection,
  ids: TransactionalOptions,
): Promise<NonNullable<KafkaDestinationFacts["transactions"]>> {
  const { connectKafkaProducer } = await import("../sinks/kafka/producer.ts");
  try {
    const producer = await connectKafkaProducer(connection, {
      ...ids,
      transactionalId: `${ids.transactionalId}-precheck`,
    });
    try {
      await producer.transactions?.fence();
      return { ok: true };
    } finally {
      await producer.close();
    }
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

async function inspectKafka(
  spec: TaskSpec,
  destination: KafkaDestination,
): Promise<KafkaDestinationFacts | Unreachable> {
  try {
    const { connectKafkaAdmin } = await import("../sinks/kafka/kafkajs-admin.ts");
    const connection: KafkaConnection = {
      brokers: destination.brokers,
      sasl: destination.sasl
        ? { username: destination.sasl.username, password: await resolvePassword(destination.sasl) }
        : undefined,
      tls: destination.tls?.enabled ? destination.tls : undefined,
    };
    const admin = await connectKafkaAdmin(connection);
    try {
      const topics = await admin.topicPartitions([
        destination.topic,
        destination.ddlTopic ?? destination.topic,
      ]);
      const transactions =
        destination.delivery === "exactly-once" && topics[destination.topic] !== undefined
          ? await probeTransactions(
              connection,
              (await import("../sinks/kafka/login.ts")).exactlyOnceIds(spec, destination),
            )
          : undefined;
      return { ok: true, kind: "kafka", topics, ...(transactions ? { transactions } : {}) };
    } finally {
      await admin.close().catch(() => undefined);
    }
  } catch (error) {
    const message = (error as Error).message;
    const hint = /SASL|authentication/i.test(message)
      ? " (check destination.sasl username and password)"
      : "";
    return { ok: false, error: `${message}${hint}` };
  }
}

/** The precheck ports backed by real servers: MySQL-compatible source and destination, Kafka. */
export const livePrecheckPorts: PrecheckPorts = {
  inspectSource: (spec) => inspectMysqlSource(spec.source, [...new Set(spec.objects.map((o) => o.database))]),
  inspectDestination: (spec, databases) =>
    spec.destination.type === "kafka"
      ? inspectKafka(spec, spec.destination)
      : inspectMysqlDestination(spec.destination, databases),
};
