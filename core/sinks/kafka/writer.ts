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

/** Requests are cut at this many bytes of messages (see RequestCutter). */
const MAX_REQUEST_BYTES = 512 * 1024;

/**
 * Cuts messages into produce requests, in order. A broker refuses a record batch above its
 * max.message.bytes (1 MiB by default), and one produce request carries one batch per partition:
 * requests are cut at 512 KiB of values.
 */
class RequestCutter {
  private current: OutgoingMessage[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes = MAX_REQUEST_BYTES) {}

  /** Adds a message; returns the request it closed, when it did not fit in the open one. */
  add(message: OutgoingMessage): OutgoingMessage[] | undefined {
    const size = messageBytes(message);
    const full = this.current.length > 0 && this.bytes + size > this.maxBytes ? this.cut() : undefined;
    this.current.push(message);
    this.bytes += size;
    return full;
  }

  /** Closes the open request: returned if it holds any message. */
  cut(): OutgoingMessage[] | undefined {
    const request = this.current;
    this.current = [];
    this.bytes = 0;
    return request.length > 0 ? request : undefined;
  }
}

/** `messages` as produce requests (see RequestCutter). */
export function requests(
  messages: readonly OutgoingMessage[],
  maxBytes = MAX_REQUEST_BYTES,
): OutgoingMessage[][] {
  const cutter = new RequestCutter(maxBytes);
  const out: OutgoingMessage[][] = [];
  for (const message of messages) {
    const full = cutter.add(message);
    if (full) out.push(full);
  }
  const last = cutter.cut();
  if (last) out.push(last);
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
    const cutter = new RequestCutter();
    for (const event of events) {
      if (this.policy === "hash-pk" && event.op === "update" && event.before && event.after) {
        const before = rowKeyString(this.policy, event.table, event.before);
        const after = rowKeyString(this.policy, event.table, event.after);
        if (before !== after) {
          const full = cutter.add(this.message({ ...event, op: "delete", after: undefined }));
          if (full) yield full;
          // The INSERT goes in a later request, sent once the DELETE's is acknowledged.
          const withDelete = cutter.cut();
          if (withDelete) yield withDelete;
          cutter.add(this.message({ ...event, op: "insert", before: undefined }));
          continue;
        }
      }
      const full = cutter.add(this.message(event));
      if (full) yield full;
    }
    const last = cutter.cut();
    if (last) yield last;
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
