import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import type { PrecheckReport } from "#core/precheck/types.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import type { TaskSpec, TaskSpecInput } from "#core/spec/schema.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { defaultChunkLedger, defaultTaskStore } from "#core/store/index.ts";
import { ensureLocalTables } from "#core/store/local-tables.ts";
import { STACK, sql } from "./stack.ts";

/** A valid spec input for a MySQL destination; tests override what they exercise. */
export function specInput(overrides: Partial<TaskSpecInput> = {}): TaskSpecInput {
  return {
    name: "shop-migration",
    source: { host: "127.0.0.1", port: 33061, user: "root", password: "dts-root" },
    destination: { type: "mysql", host: "127.0.0.1", port: 33062, user: "root", password: "dts-root" },
    migrationTypes: ["schema", "full", "incremental"],
    objects: [{ database: "shop" }],
    ...overrides,
  };
}

export function spec(overrides: Partial<TaskSpecInput> = {}): TaskSpec {
  return parseTaskSpec(specInput(overrides));
}

/**
 * Forgets what an earlier run of the tests left of a task in the local stack's DynamoDB (record,
 * checkpoint and lease, chunk ledger), so the task starts new: `dts run` never loads an existing
 * task again, and a rerun of the suite must not meet last run's tasks.
 */
export async function forgetTask(name: string): Promise<void> {
  process.env.DYNAMODB_ENDPOINT ??= STACK.dynamodb;
  const client = documentClient();
  await ensureLocalTables(client, tableNames());
  await defaultTaskStore().remove(name);
  await defaultChunkLedger().replace(name, []);
  // A lease left by a tailer of the earlier run goes too: that tailer is fenced at its next write.
  await client.send(new DeleteCommand({ TableName: tableNames().checkpoints, Key: { task: name } }));
}

/** A precheck report that passed, for tests that walk a task record through its phases. */
export function passedPrecheck(task: string): PrecheckReport {
  const at = new Date().toISOString();
  return {
    task,
    passed: true,
    counts: { pass: 1, warn: 0, fail: 0, skipped: 0 },
    checks: [],
    facts: {},
    startedAt: at,
    finishedAt: at,
  };
}

/** Writes the spec file of a new task for the CLI (a temporary file named after it) and returns its path. */
export async function writeSpecFile(overrides: Partial<TaskSpecInput> & { name: string }): Promise<string> {
  await forgetTask(overrides.name);
  const file = join(tmpdir(), `dts-${overrides.name}-${process.pid}.json`);
  await writeFile(file, JSON.stringify(specInput(overrides)));
  return file;
}

/**
 * A source database with an `accounts` table of `rows` rows (what the writer in writer.ts works
 * on), and no such database on the destination.
 */
export async function accountsDatabase(database: string, rows: number): Promise<void> {
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS ${database}`,
    `CREATE DATABASE ${database}`,
    `CREATE TABLE ${database}.accounts (id INT NOT NULL PRIMARY KEY, balance DECIMAL(12,2) NOT NULL, note VARCHAR(50))`,
    `INSERT INTO ${database}.accounts SELECT seq, seq, CONCAT('a', seq) FROM ${database}.seq_1_to_${rows}`,
  ]);
  await sql(STACK.destination.port, [`DROP DATABASE IF EXISTS ${database}`]);
}

/** accountsDatabase, and the spec file of a full + incremental task over it. */
export async function accountsTask(task: string, database: string, rows: number): Promise<string> {
  await accountsDatabase(database, rows);
  return writeSpecFile({
    name: task,
    migrationTypes: ["schema", "full", "incremental"],
    objects: [{ database }],
  });
}
