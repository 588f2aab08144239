import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoChunkLedger } from "#core/store/dynamo-chunk-ledger.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { defaultTaskStore } from "#core/store/index.ts";
import { ensureLocalTables } from "#core/store/local-tables.ts";
import { localEnvironment } from "../../local/environment.ts";
import { createTopic, decodeCanal, readTopic } from "../support/kafka.ts";
import { accountsTask, writeSpecFile } from "../support/spec-fixtures.ts";
import { dts, STACK, sql } from "../support/stack.ts";
import { startWriter } from "../support/writer.ts";

/*
 * The task lifecycle on the real stack, as an operator drives it with the CLI: pause, changes
 * while paused, resume (and `dts run` of the same spec) going on from the checkpoint, never a
 * second full load or a new position.
 */

const started: string[] = [];

beforeAll(async () => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  await ensureLocalTables(documentClient(), tableNames());
});

afterAll(async () => {
  for (const task of started) await dts(["pause", task]);
});

/** A source database with `accounts` (200 rows) and, for incremental-only tasks, the same rows in the destination. */
async function accounts(database: string, copyToDestination: boolean): Promise<void> {
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS ${database}`,
    `CREATE DATABASE ${database}`,
    `CREATE TABLE ${database}.accounts (id INT NOT NULL PRIMARY KEY, balance DECIMAL(12,2) NOT NULL, note VARCHAR(50))`,
    `INSERT INTO ${database}.accounts SELECT seq, seq, CONCAT('a', seq) FROM ${database}.seq_1_to_200`,
  ]);
  await sql(STACK.destination.port, [`DROP DATABASE IF EXISTS ${database}`]);
  if (!copyToDestination) return;
  const [rows] = (await sql(STACK.source.port, [`SELECT id, balance, note FROM ${database}.accounts`])) as [
    { id: number; balance: string; note: string }[],
  ];
  await sql(STACK.destination.port, [
    `CREATE DATABASE ${database}`,
    `CREATE TABLE ${database}.accounts (id INT NOT NULL PRIMARY KEY, balance DECIMAL(12,2) NOT NULL, note VARCHAR(50))`,
    `INSERT INTO ${database}.accounts VALUES ${rows.map((r) => `(${r.id}, ${r.balance}, '${r.note}')`).join(", ")}`,
  ]);
}

/** Twenty changes: inserts, updates and deletes, each its own transaction. */
async function twentyChanges(database: string): Promise<void> {
  const statements: string[] = [];
  for (let i = 0; i < 10; i++)
    statements.push(`INSERT INTO ${database}.accounts VALUES (${5000 + i}, ${i}.5, 'paused ${i}')`);
  for (let i = 1; i <= 5; i++)
    statements.push(`UPDATE ${database}.accounts SET balance = balance + 100 WHERE id = ${i}`);
  for (let i = 6; i <= 10; i++) statements.push(`DELETE FROM ${database}.accounts WHERE id = ${i}`);
  await sql(STACK.source.port, statements);
}

async function captured(task: string): Promise<string | undefined> {
  const position = (await defaultTaskStore().get(task))?.position;
  return position ? `${position.file}:${position.position}` : undefined;
}

describe("an incremental-only task", () => {
  it("into MySQL: changes written while it was paused all arrive after `dts run` of the same spec", async () => {
    const task = "lc-inc-mysql";
    await accounts("lc_inc", true);
    const spec = await writeSpecFile({
      name: task,
      migrationTypes: ["incremental"],
      objects: [{ database: "lc_inc" }],
      heartbeat: false,
    });
    await dts(["delete", task, "--yes"]);
    started.push(task);
    const first = await dts(["run", spec, "--until", "caught-up"]);
    expect(first.code, first.stderr).toBe(0);
    const position = await captured(task);

    const paused = await dts(["pause", task]);
    expect(paused.stdout).toMatch(
      new RegExp(`^Task ${task} paused; checkpoint .*\\. \`dts resume ${task}\` goes on from there\\.`),
    );
    expect((await defaultTaskStore().get(task))?.phase).toBe("paused");
    await twentyChanges("lc_inc");

    // What the issue reproduced: `dts run` after a stop captured a new position and lost these.
    const again = await dts(["run", spec, "--until", "caught-up"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(`Task ${task} goes on with incremental migration from its checkpoint`);
    expect(await captured(task)).toBe(position);
    expect((await dts(["verify", spec])).stdout).toMatch(/Equal/);
  });

  it("into Kafka: every change written while it was paused is published after `dts resume`", async () => {
    const task = "lc-inc-kafka";
    await accounts("lc_kafka", false);
    const topic = await createTopic("lc-kafka", 1);
    const spec = await writeSpecFile({
      name: task,
      migrationTypes: ["incremental"],
      objects: [{ database: "lc_kafka" }],
      destination: { type: "kafka", brokers: [STACK.kafkaPlain], topic, format: "canal-json" },
      heartbeat: false,
    });
    await dts(["delete", task, "--yes"]);
    started.push(task);
    expect((await dts(["run", spec, "--until", "caught-up"])).code).toBe(0);
    expect((await dts(["pause", task])).code).toBe(0);
    await twentyChanges("lc_kafka");
    const resumed = await dts(["resume", task, "--until", "caught-up"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const counts: Record<string, number> = { INSERT: 0, UPDATE: 0, DELETE: 0 };
    for (const message of await readTopic(topic)) {
      const decoded = decodeCanal(message.value);
      if (!decoded.ddl && decoded.table === "accounts" && decoded.op !== "INIT")
        counts[decoded.op] = (counts[decoded.op] ?? 0) + 1;
    }
    expect(counts).toEqual({ INSERT: 10, UPDATE: 5, DELETE: 5 });
  });

  it("`--until caught-up` returns on an idle source with heartbeat off, and past unselected traffic", async () => {
    const task = "lc-idle";
    await accounts("lc_idle", true);
    await sql(STACK.source.port, [
      "DROP DATABASE IF EXISTS lc_other",
      "CREATE DATABASE lc_other",
      "CREATE TABLE lc_other.noise (id INT PRIMARY KEY)",
    ]);
    const spec = await writeSpecFile({
      name: task,
      migrationTypes: ["incremental"],
      objects: [{ database: "lc_idle" }],
      heartbeat: false,
    });
    await dts(["delete", task, "--yes"]);
    started.push(task);
    expect((await dts(["run", spec, "--until", "caught-up"])).code).toBe(0);
    // Idle: nothing written anywhere the task reads.
    const idle = await dts(["run", spec, "--until", "caught-up"]);
    expect(idle.stdout).toMatch(/caught up: checkpoint/);
    // Busy elsewhere: the checkpoint follows transactions it does not apply.
    await sql(
      STACK.source.port,
      Array.from({ length: 30 }, (_, i) => `INSERT INTO lc_other.noise VALUES (${i})`),
    );
    const busyElsewhere = await dts(["run", spec, "--until", "caught-up"]);
    expect(busyElsewhere.stdout).toMatch(/caught up: checkpoint/);
  });
});

describe("a full + incremental task", () => {
  it("paused and resumed under a writer goes on from its checkpoint: no full load, tables and ledger untouched", async () => {
    const task = "lc-full";
    const spec = await accountsTask(task, "lc_full", 3000);
    await dts(["delete", task, "--yes"]);
    started.push(task);
    const ledger = new DynamoChunkLedger(documentClient(), tableNames().chunks);
    await ledger.replace(task, []);
    expect((await dts(["run", spec, "--until", "caught-up"])).code).toBe(0);
    const chunks = await ledger.list(task);
    const [[table]] = (await sql(STACK.destination.port, [
      "SELECT CREATE_TIME AS created FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'lc_full' AND TABLE_NAME = 'accounts'",
    ])) as [{ created: Date }[]];
    const position = await captured(task);

    const writer = await startWriter("lc_full", "accounts", 7);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await dts(["pause", task])).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the writer goes on while paused
    const resumed = await dts(["resume", task]);
    expect(resumed.stdout).toMatch(`Task ${task} goes on with incremental migration from its checkpoint`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await writer.stop();
    expect((await dts(["run", spec, "--until", "caught-up"])).code).toBe(0);

    expect(await ledger.list(task)).toEqual(chunks);
    const [[after]] = (await sql(STACK.destination.port, [
      "SELECT CREATE_TIME AS created FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'lc_full' AND TABLE_NAME = 'accounts'",
    ])) as [{ created: Date }[]];
    expect(after?.created).toEqual(table?.created);
    expect(await captured(task)).toBe(position);
    expect((await dts(["verify", spec])).stdout).toMatch(/Equal/);
  });

  it("refuses to run a completed task again, and restarts it only from scratch with --yes", async () => {
    const task = "lc-done";
    await accounts("lc_done", false);
    const spec = await writeSpecFile({
      name: task,
      migrationTypes: ["schema", "full"],
      objects: [{ database: "lc_done" }],
    });
    await dts(["delete", task, "--yes"]);
    expect((await dts(["run", spec])).code).toBe(0);
    expect((await defaultTaskStore().get(task))?.phase).toBe("completed");
    const again = await dts(["run", spec]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      `dts: task ${task} is completed; \`dts restart ${task} --from-scratch\` runs it again`,
    );
    await sql(STACK.source.port, ["INSERT INTO lc_done.accounts VALUES (9001, 1, 'after')"]);
    const unconfirmed = await dts(["restart", spec, "--from-scratch"]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toMatch(/add --yes to confirm/);
    const restarted = await dts(["restart", spec, "--from-scratch", "--yes"]);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect((await dts(["verify", spec])).stdout).toMatch(/Equal/);
    const list = await dts(["list"]);
    expect(list.stdout).toMatch(new RegExp(`^${task}\\s+completed\\s+`, "m"));
    expect((await dts(["delete", task, "--yes"])).stdout).toMatch(`Task ${task} deleted`);
    expect((await dts(["status", task])).code).toBe(1);
  });
});
