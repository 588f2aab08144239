import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultTaskStore } from "#core/store/index.ts";
import { localEnvironment } from "../../local/environment.ts";
import { writeSpecFile } from "../support/spec-fixtures.ts";
import { dts, STACK, sql } from "../support/stack.ts";
import { waitFor } from "../support/tailer.ts";

const TASK = "hostile-ddl";
let specFile: string;

beforeAll(async () => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  await sql(STACK.source.port, [
    "DROP DATABASE IF EXISTS hd_shop",
    "DROP DATABASE IF EXISTS hd_other",
    "CREATE DATABASE hd_shop",
    "CREATE DATABASE hd_other",
    "CREATE TABLE hd_shop.orders (id INT PRIMARY KEY, note VARCHAR(20))",
    "INSERT INTO hd_shop.orders VALUES (1, 'a'), (2, 'b')",
    "CREATE TABLE hd_other.payroll (id INT PRIMARY KEY)",
  ]);
  // A table on the destination that the task has nothing to do with.
  await sql(STACK.destination.port, [
    "DROP DATABASE IF EXISTS hd_shop2",
    "DROP DATABASE IF EXISTS hd_other",
    "CREATE DATABASE hd_other",
    "CREATE TABLE hd_other.payroll (id INT PRIMARY KEY, salary INT)",
    "INSERT INTO hd_other.payroll VALUES (1, 5000)",
  ]);
  specFile = await writeSpecFile({
    name: TASK,
    migrationTypes: ["schema", "full", "incremental"],
    objects: [{ database: "hd_shop", as: "hd_shop2" }],
    fullLoad: { chunkRows: 500, parallelism: 1 },
  });
});

afterAll(async () => {
  await dts(["stop", TASK]);
  await sql(STACK.source.port, ["DROP DATABASE IF EXISTS hd_shop", "DROP DATABASE IF EXISTS hd_other"]);
  await sql(STACK.destination.port, ["DROP DATABASE IF EXISTS hd_shop2", "DROP DATABASE IF EXISTS hd_other"]);
});

describe("replicated DDL never reaches outside the task", () => {
  it("maps DDL of selected tables, and stops on a statement that also names an unselected table", async () => {
    const run = await dts(["run", specFile]);
    expect(run.code, run.stderr).toBe(0);

    // Names and SQL words inside strings are text: both statements are applied, mapped.
    await sql(STACK.source.port, [
      "ALTER TABLE hd_shop.orders COMMENT 'RENAME TO hd_other.x, like select'",
      "CREATE TABLE hd_shop.audit (id INT PRIMARY KEY, note VARCHAR(9) COMMENT 'select * like') COMMENT 'like'",
      "INSERT INTO hd_shop.audit VALUES (1, 'x')",
    ]);
    const caughtUp = await dts(["run", specFile, "--until", "caught-up"]);
    expect(caughtUp.code, caughtUp.stdout + caughtUp.stderr).toBe(0);
    const [[audit], [orders]] = (await sql(STACK.destination.port, [
      "SELECT COUNT(*) AS n FROM hd_shop2.audit",
      "SELECT TABLE_COMMENT AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'hd_shop2' AND TABLE_NAME = 'orders'",
    ])) as [{ n: number }[], { c: string }[]];
    expect(Number(audit?.n)).toBe(1);
    expect(orders?.c).toBe("RENAME TO hd_other.x, like select");

    // One statement drops a selected table and one outside the task.
    await sql(STACK.source.port, ["DROP TABLE IF EXISTS hd_shop.audit, hd_other.payroll"]);
    const store = defaultTaskStore();
    await waitFor(async () => (await store.get(TASK))?.phase === "failed", 30_000, "the task to stop");
    const failure = (await store.get(TASK))?.lastError;
    expect(failure?.cause).toMatch(
      /DROP TABLE names tables the task selects \(hd_shop\.audit\) and tables it does not \(hd_other\.payroll\)/,
    );
    expect(failure?.cause).toContain("DROP TABLE IF EXISTS `hd_shop`.`audit`,`hd_other`.`payroll`");

    // The destination's own table is untouched, and so is the selected one: nothing was applied.
    const [[payroll], [kept]] = (await sql(STACK.destination.port, [
      "SELECT salary FROM hd_other.payroll WHERE id = 1",
      "SELECT COUNT(*) AS n FROM hd_shop2.audit",
    ])) as [{ salary: number }[], { n: number }[]];
    expect(payroll?.salary).toBe(5000);
    expect(Number(kept?.n)).toBe(1);
  });
});
