import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEnvironment } from "../../local/environment.ts";
import { writeSpecFile } from "../support/spec-fixtures.ts";
import { dts, STACK, sql } from "../support/stack.ts";

/**
 * Names are names: a database and tables holding dots, backticks and `$&`, and columns named
 * `__proto__` and `constructor`, go through schema, full load and change capture unchanged.
 */
const TASK = "hostile-names";
const DB = "hn.db`$&";
const q = (name: string) => `\`${name.replaceAll("`", "``")}\``;
let specFile: string;

beforeAll(async () => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS ${q(DB)}`,
    `CREATE DATABASE ${q(DB)}`,
    `CREATE TABLE ${q(DB)}.${q("a.b")} (id INT PRIMARY KEY, __proto__ VARCHAR(20), \`constructor\` INT)`,
    `CREATE TABLE ${q(DB)}.${q("t`$'")} (id INT PRIMARY KEY, v VARCHAR(20))`,
    `INSERT INTO ${q(DB)}.${q("a.b")} VALUES (1, 'proto-1', 10), (2, NULL, 20)`,
    `INSERT INTO ${q(DB)}.${q("t`$'")} VALUES (1, 'x')`,
  ]);
  await sql(STACK.destination.port, [`DROP DATABASE IF EXISTS ${q(DB)}`]);
  specFile = await writeSpecFile({
    name: TASK,
    migrationTypes: ["schema", "full", "incremental"],
    objects: [{ database: DB }],
    fullLoad: { chunkRows: 100, parallelism: 1 },
  });
});

afterAll(async () => {
  await dts(["stop", TASK]);
  await sql(STACK.source.port, [`DROP DATABASE IF EXISTS ${q(DB)}`]);
  await sql(STACK.destination.port, [`DROP DATABASE IF EXISTS ${q(DB)}`]);
});

describe("hostile names", () => {
  it("arrive unchanged through full load and change capture", async () => {
    const run = await dts(["run", specFile]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    await sql(STACK.source.port, [
      `INSERT INTO ${q(DB)}.${q("a.b")} VALUES (3, 'proto-3', 30)`,
      `UPDATE ${q(DB)}.${q("a.b")} SET __proto__ = 'changed', \`constructor\` = 11 WHERE id = 1`,
      `UPDATE ${q(DB)}.${q("t`$'")} SET v = 'y' WHERE id = 1`,
    ]);
    const caughtUp = await dts(["run", specFile, "--until", "caught-up"]);
    expect(caughtUp.code, caughtUp.stdout + caughtUp.stderr).toBe(0);
    const [rows] = (await sql(STACK.destination.port, [
      `SELECT id, __proto__ AS p, \`constructor\` AS c FROM ${q(DB)}.${q("a.b")} ORDER BY id`,
    ])) as [{ id: number; p: string | null; c: number }[]];
    expect(rows.map((r) => [r.id, r.p, r.c])).toEqual([
      [1, "changed", 11],
      [2, null, 20],
      [3, "proto-3", 30],
    ]);
    const verify = await dts(["verify", specFile]);
    expect(verify.stdout).toMatch(/Equal: every selected row arrived exactly\./);
    expect(verify.code).toBe(0);
  });
});
