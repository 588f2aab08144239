import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { localLauncher } from "#core/adapters/tailer-launcher.ts";
import {
  createTopic,
  decodeAvro,
  decodeCanal,
  expectRebuiltEqualsSource,
  readTopic,
  sixDigitFraction,
} from "../support/kafka.ts";
import { writeSpecFile } from "../support/spec-fixtures.ts";
import { dts, REPO, STACK, sql } from "../support/stack.ts";
import { alive, localTasksWithShortLease, pidOf, waitFor } from "../support/tailer.ts";
import { startWriter } from "../support/writer.ts";

const scram = { mechanism: "scram-sha-256", ...STACK.kafkaUser };
const run = promisify(execFile);

async function accountsToKafka(
  task: string,
  db: string,
  destination: Record<string, unknown>,
): Promise<string> {
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS ${db}`,
    `CREATE DATABASE ${db}`,
    `CREATE TABLE ${db}.accounts (id INT NOT NULL PRIMARY KEY, balance DECIMAL(12,2) NOT NULL, note VARCHAR(50))`,
    `INSERT INTO ${db}.accounts SELECT seq, seq, CONCAT('a', seq) FROM ${db}.seq_1_to_2000`,
  ]);
  const specFile = await writeSpecFile({
    name: task,
    migrationTypes: ["schema", "full", "incremental"],
    objects: [{ database: db }],
    destination: { type: "kafka", brokers: [STACK.kafkaSasl], sasl: scram, ...destination } as never,
  });
  const started = await dts(["run", specFile, "--until", "caught-up"], { DTS_LEASE_TTL_MS: "2000" });
  expect(started.stdout).toMatch(/caught up/);
  return specFile;
}

const tasks = localTasksWithShortLease();

describe("Kafka delivery is at-least-once through crashes", () => {
  it("a tailer killed with SIGKILL mid-stream and restarted loses nothing (partition-0, canal-json)", async () => {
    const task = "kafka-kill";
    tasks.push(task);
    const topic = await createTopic("kk-accounts", 2);
    const specFile = await accountsToKafka(task, "kk_db", {
      topic,
      format: "canal-json",
      partitionPolicy: "partition-0",
    });
    const writer = await startWriter("kk_db", "accounts", 5);
    const launcher = localLauncher(REPO);
    for (let kill = 0; kill < 3; kill++) {
      await new Promise((resolve) => setTimeout(resolve, 1500 + kill * 300));
      const pid = pidOf(`tailer-${task}.pid`);
      expect(alive(pid)).toBe(true);
      process.kill(pid, "SIGKILL");
      await waitFor(() => !alive(pid), 5000, `tailer ${pid} to die`);
      expect((await launcher.launch(task)).alreadyRunning).toBe(false);
    }
    expect(await writer.stop()).toBeGreaterThan(10);
    const caughtUp = await dts(["run", specFile, "--until", "caught-up"]);
    expect(caughtUp.stdout).toMatch(/caught up/);
    const messages = await readTopic(topic);
    expect(new Set(messages.map((m) => m.partition))).toEqual(new Set([0]));
    await expectRebuiltEqualsSource(
      "kk_db",
      ["accounts"],
      messages.map((m) => decodeCanal(m.value)),
    );
  }, 240_000);

  it("a broker restart mid-stream loses nothing: the tailer reconnects and resends from its checkpoint (dts-avro, hash-pk)", async () => {
    const task = "kafka-broker";
    tasks.push(task);
    const topic = await createTopic("kb-accounts", 3);
    const specFile = await accountsToKafka(task, "kb_db", {
      topic,
      format: "dts-avro",
      partitionPolicy: "hash-pk",
    });
    const writer = await startWriter("kb_db", "accounts", 9);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const broker = pidOf("kafka.pid");
    process.kill(broker, "SIGTERM");
    await waitFor(() => !alive(broker), 60_000, "the broker to stop");
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await run("bash", [`${REPO}scripts/stack/stack.sh`, "up"], { cwd: REPO });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await writer.stop()).toBeGreaterThan(10);
    const caughtUp = await dts(["run", specFile, "--until", "caught-up"]);
    expect(caughtUp.stdout).toMatch(/caught up/);
    // The task goes on from its checkpoint (its tailer holds the lease or is reconnecting), never anew.
    expect(caughtUp.stdout).toMatch(/is in incremental migration/);
    expect(caughtUp.stdout).not.toMatch(/Running task/);
    const log = readFileSync(join(REPO, ".stack", `tailer-${task}.log`), "utf8");
    expect(log).toMatch(/connection lost, retrying/);
    const messages = await readTopic(topic);
    await expectRebuiltEqualsSource(
      "kb_db",
      ["accounts"],
      messages.map((m) => decodeAvro(m.value)),
      sixDigitFraction,
    );
  }, 300_000);
});
