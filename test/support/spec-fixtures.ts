import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseTaskSpec } from "#core/spec/load.ts";
import type { TaskSpec, TaskSpecInput } from "#core/spec/schema.ts";
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

/** Writes a spec file for the CLI (a temporary file named after the task) and returns its path. */
export async function writeSpecFile(overrides: Partial<TaskSpecInput> & { name: string }): Promise<string> {
  const file = join(tmpdir(), `dts-${overrides.name}-${process.pid}.json`);
  await writeFile(file, JSON.stringify(specInput(overrides)));
  return file;
}

/**
 * A source database with an `accounts` table of `rows` rows (what the writer in writer.ts works
 * on), an empty destination, and the spec file of a full + incremental task over it.
 */
export async function accountsTask(task: string, database: string, rows: number): Promise<string> {
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS ${database}`,
    `CREATE DATABASE ${database}`,
    `CREATE TABLE ${database}.accounts (id INT NOT NULL PRIMARY KEY, balance DECIMAL(12,2) NOT NULL, note VARCHAR(50))`,
    `INSERT INTO ${database}.accounts SELECT seq, seq, CONCAT('a', seq) FROM ${database}.seq_1_to_${rows}`,
  ]);
  await sql(STACK.destination.port, [`DROP DATABASE IF EXISTS ${database}`]);
  return writeSpecFile({
    name: task,
    migrationTypes: ["schema", "full", "incremental"],
    objects: [{ database }],
  });
}
