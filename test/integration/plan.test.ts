import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { TaskPlan } from "#core/plan/preview.ts";
import { defaultChunkLedger, defaultTaskStore } from "#core/store/index.ts";
import { specInput, writeSpecFile } from "../support/spec-fixtures.ts";
import { dts, STACK, sql } from "../support/stack.ts";

const DB = "plan_shop";
const TARGET = "plan_shop_copy";
const TASK = "plan-preview";
let file = "";

beforeAll(async () => {
  process.env.DYNAMODB_ENDPOINT ??= STACK.dynamodb;
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS ${DB}`,
    `CREATE DATABASE ${DB}`,
    `CREATE TABLE ${DB}.orders (id BIGINT PRIMARY KEY, status VARCHAR(10) NOT NULL, note TEXT, KEY idx_status (status))`,
    `INSERT INTO ${DB}.orders SELECT seq, IF(seq MOD 7 = 0, 'void', 'paid'), CONCAT('order ', seq) FROM ${DB}.seq_1_to_20000`,
    `CREATE TABLE ${DB}.order_items (order_id BIGINT NOT NULL, line INT NOT NULL, quantity INT NOT NULL, PRIMARY KEY (order_id, line))`,
    `INSERT INTO ${DB}.order_items SELECT seq, 1, seq MOD 5 FROM ${DB}.seq_1_to_3000`,
    `ANALYZE TABLE ${DB}.orders, ${DB}.order_items`,
  ]);
  await sql(STACK.destination.port, [`DROP DATABASE IF EXISTS ${TARGET}`]);
  file = await writeSpecFile({
    name: TASK,
    migrationTypes: ["schema", "full"],
    objects: [
      {
        database: DB,
        as: TARGET,
        tables: [
          { name: "orders", as: "orders_v2", columns: ["id", { name: "status", as: "state" }] },
          { name: "order_items", where: "quantity > 0" },
        ],
      },
    ],
    fullLoad: { chunkRows: 5_000, parallelism: 2 },
  });
}, 120_000);

describe("dts plan on the local stack", () => {
  it("prints each table with its mapped name, chunks, column effects, DDL and an ETA", async () => {
    const { code, stdout, stderr } = await dts(["plan", file]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/\| plan_shop\.orders\s+\| plan_shop_copy\.orders_v2\s+\|/);
    expect(stdout).toContain("plan_shop.order_items -> plan_shop_copy.order_items");
    expect(stdout).toContain("columns renamed: status -> state");
    expect(stdout).toContain("columns not migrated: note");
    expect(stdout).toContain("filter: quantity > 0");
    expect(stdout).toContain("CREATE TABLE IF NOT EXISTS `plan_shop_copy`.`orders_v2`");
    expect(stdout).toContain("CREATE TABLE IF NOT EXISTS `plan_shop_copy`.`order_items`");
    expect(stdout).toContain("indexes built after the full load: KEY `idx_status` (`state`)");
    expect(stdout).toMatch(/Full load ETA: [\d.]+ s \(2 worker\(s\)/);
  });

  it("prints JSON that parses, with a measured sample of the largest table", async () => {
    const { code, stdout } = await dts(["plan", file, "--json"]);
    expect(code).toBe(0);
    const plan = JSON.parse(stdout) as TaskPlan;
    expect(plan.tables.map((t) => [t.source, t.destination])).toEqual([
      ["plan_shop.orders", "plan_shop_copy.orders_v2"],
      ["plan_shop.order_items", "plan_shop_copy.order_items"],
    ]);
    const orders = plan.tables[0];
    // The statistics' estimate, about 20,000 rows: 4 or 5 chunks of 5,000.
    expect(orders?.chunks).toBeGreaterThanOrEqual(3);
    expect(orders?.chunks).toBeLessThanOrEqual(6);
    expect(plan.samples[0]).toMatchObject({ table: "plan_shop.orders", readers: 2 });
    expect(plan.samples[0]?.rows).toBeGreaterThan(0);
    expect(plan.eta?.seconds).toBeGreaterThan(0);
  });

  it("writes nothing: no task record, no chunk ledger, no destination database", async () => {
    await dts(["plan", file]);
    expect(await defaultTaskStore().get(TASK)).toBeUndefined();
    expect(await defaultChunkLedger().list(TASK)).toEqual([]);
    const [schemata] = (await sql(STACK.destination.port, [
      `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${TARGET}'`,
    ])) as unknown[][];
    expect(schemata).toEqual([]);
  });

  it("rejects a bad spec with the field and the fix, and no stack trace", async () => {
    const bad = join(tmpdir(), `dts-plan-bad-${process.pid}.json`);
    await writeFile(bad, JSON.stringify(specInput({ name: TASK, fullLoad: { parallelism: 0 } })));
    const { code, stdout, stderr } = await dts(["plan", bad]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^dts: .*fullLoad\.parallelism/m);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
