import { FatalError } from "../../errors.ts";
import type { KafkaDestination } from "../../spec/schema.ts";
import { canalJsonEncoder } from "./canal-json.ts";
import type { KafkaConnection, KafkaProducer, OutgoingMessage } from "./client.ts";
import { dtsAvroEncoder } from "./dts-avro.ts";
import { ddlPartition, type PartitionPolicy, rowKeyString, rowPartition } from "./partition.ts";
import { type DdlEvent, type MessageEncoder, MessageIds, type RowEvent } from "./record.ts";
import { confluentFramed, registerDtsAvroSchema } from "./schema-registry.ts";

/** Bytes a message adds to a produce request, about: value, key and record overhead. */
const messageBytes = (message: OutgoingMessage) => message.value.length + (message.key?.length ?? 0) + 64;

/** Requests are cut at this many bytes of messages (see requests). */
const MAX_REQUEST_BYTES = 512 * 1024;

/**
 * A broker refuses a record batch above its max.message.bytes (1 MiB by default), and one produce
 * request carries one batch per partition: requests are cut at 512 KiB of values, in order.
 */
export function requests(
  messages: readonly OutgoingMessage[],
  maxBytes = MAX_REQUEST_BYTES,
): OutgoingMessage[][] {
  const out: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = messageBytes(message);
    if (current.length > 0 && bytes + size > maxBytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** The connection to the task's brokers with `password` for SASL (unused without SASL). */
export function kafkaConnectionWith(
  destination: KafkaDestination,
  password: string,
  clientId?: string,
): KafkaConnection {
  return {
    brokers: destination.brokers,
    sasl: destination.sasl ? { username: destination.sasl.username, password } : undefined,
    tls: destination.tls?.enabled ? destination.tls : undefined,
    ...(clientId ? { clientId } : {}),
  };
}

/** The task's format; dts-avro with a schema registry uses the Confluent wire format. */
export async function messageEncoder(
  destination: KafkaDestination,
  sourceVersion: string,
): Promise<MessageEncoder> {
  if (destination.format === "canal-json") return canalJsonEncoder;
  const avro = dtsAvroEncoder({ sourceVersion });
  if (!destination.schemaRegistryUrl) return avro;
  // An https registry is trusted with the same CA as the brokers.
  const tls = destination.tls?.enabled ? destination.tls : undefined;
  return confluentFramed(
    avro,
    await registerDtsAvroSchema(destination.schemaRegistryUrl, destination.topic, tls),
  );
}

export interface KafkaWriterOptions {
  destination: KafkaDestination;
  producer: KafkaProducer;
  encoder: MessageEncoder;
  /** Partition count recorded by precheck; the task fails if the topic's count differs. */
  expectedPartitions?: number | undefined;
}

/**
 * Turns row changes and DDL into messages on the task's topics and writes them, returning once
 * the brokers acknowledged all of them. Under hash-pk an UPDATE that changes the key becomes a
 * DELETE on the old key's partition and an INSERT on the new key's, and the DELETE is
 * acknowledged before the INSERT is sent: no consumer of the new key's partition can see the
 * new row before the old key's delete is written.
 */
export class KafkaWriter {
  private readonly ids = new MessageIds();
  private partitions = 0;
  private ddlPartitions = 0;
  private readonly policy: PartitionPolicy;

  private constructor(private readonly options: KafkaWriterOptions) {
    this.policy = options.destination.partitionPolicy;
  }

  static async open(options: KafkaWriterOptions): Promise<KafkaWriter> {
    const writer = new KafkaWriter(options);
    await writer.checkPartitions();
    return writer;
  }

  get topic(): string {
    return this.options.destination.topic;
  }

  /** Fails the task when the topic's partition count is not the one recorded at precheck. */
  async checkPartitions(): Promise<void> {
    const { destination, producer, expectedPartitions } = this.options;
    const count = await producer.partitionCount(destination.topic);
    if (count === 0)
      throw new FatalError(
        `Kafka topic ${destination.topic} does not exist: create it and run the task again`,
      );
    if (expectedPartitions !== undefined && count !== expectedPartitions)
      throw new FatalError(
        `Kafka topic ${destination.topic} has ${count} partitions but had ${expectedPartitions} when the task was prechecked: ` +
          "changing the partition count breaks per-key order; restore it, or start a new task",
      );
    this.partitions = count;
    const ddlTopic = destination.ddlTopic;
    this.ddlPartitions =
      ddlTopic && ddlTopic !== destination.topic ? await producer.partitionCount(ddlTopic) : count;
    if (this.ddlPartitions === 0)
      throw new FatalError(`Kafka DDL topic ${ddlTopic} does not exist: create it and run the task again`);
  }

  private message(event: RowEvent): OutgoingMessage {
    const image = event.op === "delete" ? event.before : event.after;
    const key = image ? rowKeyString(this.policy, event.table, image) : undefined;
    return {
      topic: this.topic,
      partition: rowPartition(this.policy, key, this.partitions),
      key: key ?? null,
      value: this.options.encoder.row(event, this.ids.next()),
    };
  }

  /**
   * The produce requests for row events, each encoded only when the one before it is on its way
   * (see writeRows), cut at 512 KiB and after the DELETE of a key change (see KafkaWriter).
   */
  *requestsOf(events: readonly RowEvent[]): Generator<OutgoingMessage[]> {
    let current: OutgoingMessage[] = [];
    let bytes = 0;
    const add = (message: OutgoingMessage) => {
      const size = messageBytes(message);
      const full = current.length > 0 && bytes + size > MAX_REQUEST_BYTES;
      const cut = full ? current : undefined;
      if (full) {
        current = [];
        bytes = 0;
      }
      current.push(message);
      bytes += size;
      return cut;
    };
    for (const event of events) {
      if (this.policy === "hash-pk" && event.op === "update" && event.before && event.after) {
        const before = rowKeyString(this.policy, event.table, event.before);
        const after = rowKeyString(this.policy, event.table, event.after);
        if (before !== after) {
          const cut = add(this.message({ ...event, op: "delete", after: undefined }));
          if (cut) yield cut;
          // The INSERT goes in a later request, sent once the DELETE's is acknowledged.
          yield current;
          current = [];
          bytes = 0;
          add(this.message({ ...event, op: "insert", before: undefined }));
          continue;
        }
      }
      const cut = add(this.message(event));
      if (cut) yield cut;
    }
    if (current.length > 0) yield current;
  }

  /**
   * Writes the events' messages. Requests go one at a time, each once the one before it was
   * acknowledged, and the next is encoded while the last waits for its acknowledgement. With
   * `checkpoint` (an exactly-once producer), the messages and the checkpoint commit in one Kafka
   * transaction; consumers reading read_committed see all or none.
   */
  async writeRows(events: readonly RowEvent[], checkpoint?: string): Promise<void> {
    if (checkpoint !== undefined) {
      await this.write([...this.requestsOf(events)], checkpoint);
      return;
    }
    let sending: Promise<void> | undefined;
    for (const request of this.requestsOf(events)) {
      await sending;
      sending = this.options.producer.send(request);
      // Settled here too, so a failure while the next request is encoded is not reported unhandled.
      sending.catch(() => undefined);
    }
    await sending;
  }

  /** Writes DDL records (the statements one source DDL became), with `checkpoint` as writeRows. */
  async writeDdl(events: readonly DdlEvent[], checkpoint?: string): Promise<void> {
    const { destination, encoder } = this.options;
    const messages = events.map((event) => ({
      topic: destination.ddlTopic ?? destination.topic,
      partition: ddlPartition(this.policy, event, this.ddlPartitions),
      key: this.policy === "hash-table" && event.table !== "" ? event.database + event.table : null,
      value: encoder.ddl(event, this.ids.next()),
    }));
    await this.write(messages.length > 0 ? [messages] : [], checkpoint);
  }

  /** Without a transaction, each request is sent once the one before it was acknowledged (see segments). */
  private async write(all: readonly OutgoingMessage[][], checkpoint: string | undefined): Promise<void> {
    const { producer } = this.options;
    if (checkpoint === undefined) {
      for (const request of all) await producer.send(request);
      return;
    }
    if (!producer.transactions) throw new Error("a checkpoint is committed only by an exactly-once producer");
    await producer.transactions.commit(all, checkpoint);
  }
}
