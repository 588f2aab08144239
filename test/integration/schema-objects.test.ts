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
    // Names with $ (replacement patterns of String.prototype.replace) and a query whose string
    // literal looks like a qualified name.
    "CREATE VIEW so_src.`cheap$&v` AS SELECT id, '`so_src`.`items`' AS label FROM so_src.items WHERE price < 20",
    "CREATE PROCEDURE so_src.`p$'q`(OUT n INT) COMMENT 'SQL SECURITY DEFINER' SELECT COUNT(*) INTO n FROM items",
    "DROP DATABASE IF EXISTS so_src2",
    "CREATE DATABASE so_src2",
    "CREATE TABLE so_src2.t (id INT PRIMARY KEY)",
    "CREATE VIEW so_src2.v AS SELECT id FROM so_src2.t",
    "CREATE FUNCTION so_src2.f() RETURNS INT DETERMINISTIC RETURN 1",
    "DROP DATABASE IF EXISTS so_merge",
    "CREATE DATABASE so_merge",
    "CREATE TABLE so_merge.part (id INT NOT NULL PRIMARY KEY) ENGINE=MyISAM",
    "CREATE TABLE so_merge.whole (id INT NOT NULL PRIMARY KEY) ENGINE=MERGE UNION=(so_merge.part) INSERT_METHOD=LAST",
  ]);
  await sql(STACK.destination.port, [
    "DROP DATABASE IF EXISTS so_dst",
    "DROP DATABASE IF EXISTS so_dst2",
    "DROP DATABASE IF EXISTS so_merge_dst",
  ]);
});

async function securityTypes(database: string): Promise<unknown[]> {
  return sql(STACK.destination.port, [
    `SELECT TABLE_NAME AS name, SECURITY_TYPE AS security FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '${database}' ORDER BY TABLE_NAME`,
    `SELECT ROUTINE_NAME AS name, SECURITY_TYPE AS security FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '${database}' ORDER BY ROUTINE_NAME`,
  ]);
}

describe("schema migration of a whole database", () => {
  it("creates views and routines in the mapped database, and leaves triggers for cut-over", async () => {
    const file = await writeSpecFile({
      name: "schema-objects",
      migrationTypes: ["schema", "full"],
      objects: [
        { database: "so_src", as: "so_dst" },
        { database: "so_src2", as: "so_dst2", sqlSecurity: "definer" },
      ],
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
    // SQL SECURITY INVOKER unless the spec asks for DEFINER; names with $ arrive as they are.
    expect(await securityTypes("so_dst")).toEqual([
      [
        { name: "cheap$&v", security: "INVOKER" },
        { name: "expensive", security: "INVOKER" },
      ],
      [
        { name: "p$'q", security: "INVOKER" },
        { name: "reprice", security: "INVOKER" },
        { name: "with_tax", security: "INVOKER" },
      ],
    ]);
    expect(await securityTypes("so_dst2")).toEqual([
      [{ name: "v", security: "DEFINER" }],
      [{ name: "f", security: "DEFINER" }],
    ]);
    expect(await sql(STACK.destination.port, ["SELECT id, label FROM so_dst.`cheap$&v`"])).toEqual([
      [{ id: 1, label: "`so_src`.`items`" }],
    ]);
    const [, [out]] = (await sql(STACK.destination.port, ["CALL so_dst.`p$'q`(@n)", "SELECT @n AS n"])) as [
      unknown,
      unknown[],
    ];
    expect(out).toEqual({ n: 2 });
    const task = await defaultTaskStore().get("schema-objects");
    expect(task?.schema?.notes).toContain(
      "so_src: 1 trigger(s) not created, because they would fire again for changes the migration already carries; create them at cut-over",
    );
  });

  it("stops on a table that would reach outside the destination database, and creates nothing of it", async () => {
    const file = await writeSpecFile({
      name: "schema-objects-merge",
      migrationTypes: ["schema"],
      objects: [{ database: "so_merge", as: "so_merge_dst", tables: [{ name: "whole" }] }],
    });
    const run = await dts(["run", file]);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain(
      "so_merge.whole cannot be created on the destination: ENGINE=MRG_MyISAM",
    );
    expect(run.stdout + run.stderr).toContain(
      "leave the table out of objects, or create it on the destination yourself",
    );
    expect(
      await sql(STACK.destination.port, [
        "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'so_merge_dst'",
      ]),
    ).toEqual([[{ n: 0 }]]);
  });
});
