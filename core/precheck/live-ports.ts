import { resolvePassword } from "../adapters/secrets.ts";
import type { KafkaDestination } from "../spec/schema.ts";
import { inspectMysqlDestination, inspectMysqlSource } from "./inspect.ts";
import type { PrecheckPorts } from "./run.ts";
import type { KafkaDestinationFacts, Unreachable } from "./types.ts";

async function inspectKafka(destination: KafkaDestination): Promise<KafkaDestinationFacts | Unreachable> {
  try {
    const { connectKafkaAdmin } = await import("../sinks/kafka/kafkajs-admin.ts");
    const admin = await connectKafkaAdmin({
      brokers: destination.brokers,
      sasl: destination.sasl
        ? { username: destination.sasl.username, password: await resolvePassword(destination.sasl) }
        : undefined,
      tls: destination.tls?.enabled ? destination.tls : undefined,
    });
    try {
      const topics = await admin.topicPartitions([
        destination.topic,
        destination.ddlTopic ?? destination.topic,
      ]);
      return { ok: true, kind: "kafka", topics };
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
      ? inspectKafka(spec.destination)
      : inspectMysqlDestination(spec.destination, databases),
};
