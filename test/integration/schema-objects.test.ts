import { beforeAll, describe, expect, it } from "vitest";
import { defaultTaskStore } from "#core/store/index.ts";
import { localEnvironment } from "../../local/environment.ts";
import { writeSpecFile } from "../support/spec-fixtures.ts";
import { dts, STACK, sql } from "../support/stack.ts";

beforeAll(async () => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  await sql(STACK.source.port, [
    "DROP DATABASE IF EXISTS so_src",
    "CREATE DATABASE so_src",
    "CREATE TABLE so_src.items (id INT PRIMARY KEY, price DECIMAL(8,2) NOT NULL)",
    "CREATE TABLE so_src.audit (id INT AUTO_INCREMENT PRIMARY KEY, item INT NOT NULL)",
    "INSERT INTO so_src.items VALUES (1, 9.50), (2, 20.00)",
    "CREATE VIEW so_src.expensive AS SELECT id, price FROM so_src.items WHERE price > 10",
    "CREATE FUNCTION so_src.with_tax(p DECIMAL(8,2)) RETURNS DECIMAL(8,2) DETERMINISTIC RETURN p * 1.2",
    "CREATE PROCEDURE so_src.reprice(IN factor DECIMAL(4,2)) UPDATE items SET price = price * factor",
    "CREATE TRIGGER so_src.audit_items AFTER INSERT ON so_src.items FOR EACH ROW INSERT INTO so_src.audit (item) VALUES (NEW.id)",
  ]);
  await sql(STACK.destination.port, ["DROP DATABASE IF EXISTS so_dst"]);
});

describe("schema migration of a whole database", () => {
  it("creates views and routines in the mapped database, and leaves triggers for cut-over", async () => {
    const file = await writeSpecFile({
      name: "schema-objects",
      migrationTypes: ["schema", "full"],
      objects: [{ database: "so_src", as: "so_dst" }],
    });
    const run = await dts(["run", file]);
    expect(run.code).toBe(0);
    expect(await sql(STACK.destination.port, ["SELECT id FROM so_dst.expensive"])).toEqual([[{ id: 2 }]]);
    expect(await sql(STACK.destination.port, ["SELECT so_dst.with_tax(10.00) AS v"])).toEqual([
      [{ v: "12.00" }],
    ]);
    await sql(STACK.destination.port, ["CALL so_dst.reprice(2)"]);
    expect(await sql(STACK.destination.port, ["SELECT price FROM so_dst.items ORDER BY id"])).toEqual([
      [{ price: "19.00" }, { price: "40.00" }],
    ]);
    expect(
      await sql(STACK.destination.port, [
        "SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'so_dst'",
      ]),
    ).toEqual([[{ n: 0 }]]);
    const task = await defaultTaskStore().get("schema-objects");
    expect(task?.schema?.notes).toContain(
      "so_src: 1 trigger(s) not created, because they would fire again for changes the migration already carries; create them at cut-over",
    );
  });
});
