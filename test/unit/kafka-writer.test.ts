import { describe, expect, it } from "vitest";
import { canalJsonEncoder } from "#core/sinks/kafka/canal-json.ts";
import { checkpointText, parseCheckpoint } from "#core/sinks/kafka/change-sink.ts";
import type { KafkaProducer, OutgoingMessage } from "#core/sinks/kafka/client.ts";
import type { RowEvent } from "#core/sinks/kafka/record.ts";
import { KafkaWriter, requests } from "#core/sinks/kafka/writer.ts";
import { event, kafkaDestination, ROW } from "../support/kafka-rows.ts";

describe("the exactly-once checkpoint", () => {
  it("reads back what it committed, and nothing else as a position", () => {
    const at = { file: "mysql-bin.000042", position: 1_234_567, gtid: "0-1-99" };
    expect(parseCheckpoint(checkpointText(at))).toEqual({ file: "mysql-bin.000042", position: 1_234_567 });
    for (const text of [
      undefined,
      "",
      "not json",
      '{"file":"x"}',
      '{"file":"x","position":"5"}',
      '{"file":"x","position":0}',
    ])
      expect(parseCheckpoint(text)).toBeUndefined();
  });
});

describe("KafkaWriter ordering", () => {
  const destination = kafkaDestination({ partitionPolicy: "hash-pk", format: "canal-json" });

  it("acknowledges the old key's DELETE before sending the new key's INSERT", async () => {
    const log: string[] = [];
    const producer: KafkaProducer = {
      async send(messages: readonly OutgoingMessage[]) {
        log.push(`send ${messages.map((m) => JSON.parse(m.value.toString()).type).join(",")}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        log.push("acked");
      },
      partitionCount: async () => 8,
      close: async () => {},
    };
    const writer = await KafkaWriter.open({ destination, producer, encoder: canalJsonEncoder });
    await writer.writeRows([
      event("insert", undefined, { ...ROW, id: "1" }),
      event("update", { ...ROW, id: "1" }, { ...ROW, id: "2" }),
      event("update", { ...ROW, id: "2" }, { ...ROW, id: "2", note: "n" }),
    ]);
    expect(log).toEqual(["send INSERT,DELETE", "acked", "send INSERT,UPDATE", "acked"]);
  });

  it("encodes the next request while the last one waits for its acknowledgement, never sending two at once", async () => {
    const log: string[] = [];
    let inFlight = 0;
    const producer: KafkaProducer = {
      async send(messages: readonly OutgoingMessage[]) {
        inFlight++;
        log.push(`send ${messages.map((m) => m.value.length).join(",")} (${inFlight} in flight)`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        log.push("acked");
      },
      partitionCount: async () => 3,
      close: async () => {},
    };
    // Rows of 300 KiB: one per request (requests are cut at 512 KiB).
    const encoder = {
      ...canalJsonEncoder,
      row: (e: RowEvent) => {
        log.push(`encode ${String(e.after?.id)}`);
        return Buffer.alloc(300 * 1024);
      },
    };
    const writer = await KafkaWriter.open({ destination, producer, encoder });
    await writer.writeRows(["1", "2", "3"].map((id) => event("insert", undefined, { ...ROW, id })));
    const sent = `send ${300 * 1024} (1 in flight)`;
    // A request is known full when the next row does not fit: row 3 is encoded while request 1 flies.
    expect(log).toEqual(["encode 1", "encode 2", sent, "encode 3", "acked", sent, "acked", sent, "acked"]);
  });

  it("fails clearly when the partition count differs from the one precheck recorded", async () => {
    const producer: KafkaProducer = {
      send: async () => {},
      partitionCount: async () => 6,
      close: async () => {},
    };
    await expect(
      KafkaWriter.open({ destination, producer, encoder: canalJsonEncoder, expectedPartitions: 3 }),
    ).rejects.toThrow(/has 6 partitions but had 3 when the task was prechecked/);
  });

  it("cuts produce requests under the size limit without reordering", () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({
      topic: "t",
      partition: 0,
      key: null,
      value: Buffer.alloc(100, i),
    }));
    const cut = requests(messages, 350);
    expect(cut.map((r) => r.length)).toEqual([2, 2, 2, 2, 2]);
    expect(cut.flat()).toEqual(messages);
  });
});
