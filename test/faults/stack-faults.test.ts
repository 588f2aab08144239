import { execFile } from "node:child_process";
import { promisify } from "node:util";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEnvironment } from "../../local/environment.ts";
import { createTopic, decodeCanal, expectRebuiltEqualsSource, readTopic } from "../support/kafka.ts";
import { accountsTask, writeSpecFile } from "../support/spec-fixtures.ts";
import { dts, REPO, STACK, sql } from "../support/stack.ts";
import { alive, pidOf, waitFor } from "../support/tailer.ts";

/*
 * Every server the tasks depend on dies and comes back, one at a time, while writers keep
 * changing the source: the destination, the source, DynamoDB Local (leases, checkpoints) and the
 * Kafka broker. The tailers retry within their windows and every task ends verified equal (Kafka:
 * the tables rebuilt from the topic, in partition order, equal the source). This file restarts
 * the shared stack's servers, so it runs alone, after every other test (vitest.config.ts).
 */

const run = promisify(execFile);
const MYSQL_TASK = "faults-mysql";
const KAFKA_TASK = "faults-kafka";
let mysqlSpec: string;
let kafkaSpec: string;
let topic: string;

/** Kills a server of the stack with SIGKILL, waits a moment, and starts the stack's missing servers again. */
async function crashAndRestart(pidFile: string): Promise<void> {
  const pid = pidOf(pidFile);
  process.kill(pid, "SIGKILL");
  await waitFor(() => !alive(pid), 30_000, `${pidFile} to die`);
  await new Promise((resolve) => setTimeout(resolve, 3000)); // the tailers notice and retry meanwhile
  await run("bash", [`${REPO}scripts/stack/stack.sh`, "up"], { cwd: REPO });
}

/** Transactions on `database`.accounts until stopped; a lost connection is opened again. */
function resilientWriter(database: string, seed: number): { stop(): Promise<number> } {
  let stopped = false;
  let committed = 0;
  let state = seed;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  let nextId = 1_000_000 + seed * 100_000;
  const loop = (async () => {
    while (!stopped) {
      let connection: mysql.Connection | undefined;
      try {
        connection = await mysql.createConnection(STACK.source);
        while (!stopped) {
          await connection.query("START TRANSACTION");
          for (let i = 0; i < 3; i++) {
            const id = 1 + Math.floor(next() * 2000);
            const dice = next();
            if (dice < 0.4)
              await connection.query(`INSERT INTO ${database}.accounts VALUES (?, ?, ?)`, [
                nextId++,
                i,
                "fault",
              ]);
            else if (dice < 0.8)
              await connection.query(`UPDATE ${database}.accounts SET balance = balance + 1 WHERE id = ?`, [
                id,
              ]);
            else await connection.query(`DELETE FROM ${database}.accounts WHERE id = ?`, [id]);
          }
          await connection.query("COMMIT");
          committed++;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 300));
      } finally {
        await connection?.end().catch(() => undefined);
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return committed;
    },
  };
}

beforeAll(async () => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  mysqlSpec = await accountsTask(MYSQL_TASK, "faults_mysql", 2000);
  await sql(STACK.source.port, [
    "DROP DATABASE IF EXISTS faults_kafka",
    "CREATE DATABASE faults_kafka",
    "CREATE TABLE faults_kafka.accounts (id INT NOT NULL PRIMARY KEY, balance DECIMAL(12,2) NOT NULL, note VARCHAR(50))",
    "INSERT INTO faults_kafka.accounts SELECT seq, seq, CONCAT('a', seq) FROM faults_kafka.seq_1_to_2000",
  ]);
  topic = await createTopic("faults-accounts", 3);
  kafkaSpec = await writeSpecFile({
    name: KAFKA_TASK,
    migrationTypes: ["full", "incremental"],
    objects: [{ database: "faults_kafka" }],
    destination: {
      type: "kafka",
      brokers: [STACK.kafkaPlain],
      topic,
      format: "canal-json",
      partitionPolicy: "hash-pk",
    } as never,
  });
  for (const task of [MYSQL_TASK, KAFKA_TASK]) await dts(["delete", task, "--yes"]);
});

afterAll(async () => {
  for (const task of [MYSQL_TASK, KAFKA_TASK]) await dts(["pause", task]);
});

describe("servers dying under a writer", () => {
  it("the destination, the source, DynamoDB Local and the broker each crash and come back: every task ends equal", async () => {
    for (const spec of [mysqlSpec, kafkaSpec]) {
      const started = await dts(["run", spec, "--until", "caught-up"]);
      expect(started.code, started.stderr).toBe(0);
    }
    const tailers = [MYSQL_TASK, KAFKA_TASK].map((task) => pidOf(`tailer-${task}.pid`));
    const writers = [resilientWriter("faults_mysql", 1), resilientWriter("faults_kafka", 2)];
    await new Promise((resolve) => setTimeout(resolve, 2000));
    for (const server of ["mariadb-dest.pid", "mariadb-source.pid", "dynamodb.pid", "kafka.pid"]) {
      await crashAndRestart(server);
      await new Promise((resolve) => setTimeout(resolve, 4000)); // changes flow between the faults
    }
    const committed = await Promise.all(writers.map((w) => w.stop()));
    for (const count of committed) expect(count).toBeGreaterThan(50);
    // The tailers rode every fault out themselves: the same processes, nothing restarted them.
    for (const pid of tailers) expect(alive(pid), `tailer ${pid}`).toBe(true);

    for (const [task, spec, pid] of [
      [MYSQL_TASK, mysqlSpec, tailers[0]],
      [KAFKA_TASK, kafkaSpec, tailers[1]],
    ] as const) {
      const caughtUp = await dts(["run", spec, "--until", "caught-up"]);
      expect(caughtUp.code, `${task}: ${caughtUp.stderr}`).toBe(0);
      // dts run starts nothing: the tailer holds its lease, or it is still waiting out its backoff
      // after the last fault (its lease lapsed meanwhile) and dts run finds the same process alive.
      expect(caughtUp.stdout).toMatch(
        new RegExp(
          `Task ${task} is in incremental migration( already|; its tailer \\(${pid}\\) is reconnecting)`,
        ),
      );
      expect(caughtUp.stdout).toMatch(/caught up/);
    }
    expect((await dts(["verify", mysqlSpec])).stdout).toMatch(/Equal/);
    const messages = await readTopic(topic);
    await expectRebuiltEqualsSource(
      "faults_kafka",
      ["accounts"],
      messages.map((m) => decodeCanal(m.value)),
    );
  }, 600_000);
});
