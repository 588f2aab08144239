import { beforeAll, describe, expect, it } from "vitest";
import { livePrecheckPorts } from "#core/precheck/live-ports.ts";
import { runPrecheck } from "#core/precheck/run.ts";
import { kafkajsClient } from "#core/sinks/kafka/kafkajs-admin.ts";
import type { TaskSpecInput } from "#core/spec/schema.ts";
import { spec } from "../support/spec-fixtures.ts";
import { STACK, sql } from "../support/stack.ts";

const TOPIC = "pk-orders";

beforeAll(async () => {
  await sql(STACK.source.port, [
    "DROP DATABASE IF EXISTS pk_shop",
    "CREATE DATABASE pk_shop",
    "CREATE TABLE pk_shop.orders (id BIGINT PRIMARY KEY, status VARCHAR(20))",
  ]);
  const admin = kafkajsClient({ brokers: [STACK.kafkaPlain] }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }] });
  await admin.disconnect();
});

function kafkaSpec(destination: Record<string, unknown>): Partial<TaskSpecInput> {
  return {
    objects: [{ database: "pk_shop" }],
    destination: { type: "kafka", brokers: [STACK.kafkaSasl], topic: TOPIC, ...destination } as never,
  };
}

const scram = { mechanism: "scram-sha-256", ...STACK.kafkaUser };

describe("precheck of a Kafka destination (SASL/SCRAM-SHA-256 listener)", () => {
  it("passes with working credentials and records the topic's partition count", async () => {
    const report = await runPrecheck(spec(kafkaSpec({ sasl: scram })), livePrecheckPorts);
    expect(report.checks.find((c) => c.id === "kafka.topic")).toMatchObject({
      status: "pass",
      detail: "pk-orders: 3 partition(s)",
    });
    expect(report.facts.kafkaPartitions).toBe(3);
    expect(report.passed).toBe(true);
  });

  it("fails destination.connectivity with a wrong password, naming the credentials", async () => {
    const report = await runPrecheck(
      spec(kafkaSpec({ sasl: { ...scram, password: "wrong" } })),
      livePrecheckPorts,
    );
    expect(report.checks.find((c) => c.id === "destination.connectivity")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/SASL|authentication|credentials/i),
      fix: expect.stringMatching(/destination\.sasl/),
    });
    expect(report.checks.find((c) => c.id === "kafka.topic")?.status).toBe("skipped");
  });

  it("fails kafka.topic for a topic that does not exist, and does not create it", async () => {
    const report = await runPrecheck(
      spec(kafkaSpec({ sasl: scram, ddlTopic: "pk-missing-ddl" })),
      livePrecheckPorts,
    );
    expect(report.checks.find((c) => c.id === "kafka.topic")).toMatchObject({
      status: "fail",
      detail: "topic(s) pk-missing-ddl do not exist",
    });
    const admin = kafkajsClient({ brokers: [STACK.kafkaPlain] }).admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain("pk-missing-ddl");
    await admin.disconnect();
  });
});
