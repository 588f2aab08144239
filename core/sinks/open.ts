import type { Connection } from "mysql2/promise";
import type { ChangeSink } from "../pipeline/sink.ts";
import { openDestination } from "../source/connection.ts";
import type { KafkaDestination, TaskSpec } from "../spec/schema.ts";
import type { TaskRecord } from "../store/task-store.ts";
import type { KafkaProducer, TransactionalOptions } from "./kafka/client.ts";
import type { KafkaWriter } from "./kafka/writer.ts";
import { MysqlChangeSink } from "./mysql/change-sink.ts";

// The Kafka modules (kafkajs, avsc and the encoders) load only for Kafka destinations: MySQL
// tasks start faster without them.

/** Source facts precheck recorded on the task (server version, Kafka partition count). */
export function recordedFacts(task: TaskRecord | undefined): { sourceVersion: string; partitions?: number } {
  const facts = task?.precheck?.facts ?? {};
  const partitions = typeof facts.kafkaPartitions === "number" ? facts.kafkaPartitions : undefined;
  return { sourceVersion: String(facts.sourceVersion ?? ""), ...(partitions ? { partitions } : {}) };
}

/** The task's producer and a writer over it (partition count checked); the caller closes the producer. */
async function openKafkaWriter(
  spec: TaskSpec,
  destination: KafkaDestination,
  task: TaskRecord | undefined,
  transactional?: TransactionalOptions,
): Promise<{ writer: KafkaWriter; producer: KafkaProducer }> {
  const facts = recordedFacts(task);
  const [{ connectTaskProducer }, { KafkaWriter, messageEncoder }] = await Promise.all([
    import("./kafka/login.ts"),
    import("./kafka/writer.ts"),
  ]);
  const producer = await connectTaskProducer(destination, `dts-${spec.name}`, transactional);
  try {
    const writer = await KafkaWriter.open({
      destination,
      producer,
      encoder: await messageEncoder(destination, facts.sourceVersion),
      expectedPartitions: facts.partitions,
    });
    return { writer, producer };
  } catch (error) {
    await producer.close();
    throw error;
  }
}

/** Opens the tailer's sink for the task's destination. */
export async function openChangeSink(
  spec: TaskSpec,
  task: TaskRecord | undefined,
  source: Connection,
  log?: (message: string, fields?: Record<string, unknown>) => void,
): Promise<ChangeSink> {
  const destination = spec.destination;
  if (destination.type === "mysql") {
    const targets = [await openDestination(destination)];
    const close = () => Promise.all(targets.map((t) => t.end().catch(() => undefined))).then(() => undefined);
    try {
      while (targets.length < destination.applyConnections) {
        const target = await openDestination(destination);
        targets.push(target);
      }
      // Side-by-side parts touch different rows; without gap locks they rarely wait on each other.
      if (targets.length > 1)
        for (const target of targets)
          await target.query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    } catch (error) {
      await close();
      throw error;
    }
    return Object.assign(new MysqlChangeSink(spec, source, targets, log), { close });
  }
  const { exactlyOnceIds } = await import("./kafka/login.ts");
  const exactlyOnce = destination.delivery === "exactly-once" ? exactlyOnceIds(spec, destination) : undefined;
  const { writer, producer } = await openKafkaWriter(spec, destination, task, exactlyOnce);
  const { KafkaChangeSink } = await import("./kafka/change-sink.ts");
  return new KafkaChangeSink(spec, source, writer, producer, log);
}

/** Opens a Kafka writer for the full-load and schema phases; `use` runs with it, then it closes. */
export async function withKafkaWriter<T>(
  spec: TaskSpec,
  task: TaskRecord | undefined,
  use: (writer: KafkaWriter) => Promise<T>,
): Promise<T> {
  const destination = spec.destination;
  if (destination.type !== "kafka") throw new Error("withKafkaWriter needs a Kafka destination");
  const { writer, producer } = await openKafkaWriter(spec, destination, task);
  try {
    return await use(writer);
  } finally {
    await producer.close();
  }
}
