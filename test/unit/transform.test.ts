import { describe, expect, it } from "vitest";
import type { RowChange } from "#core/model/row.ts";
import { selectedChanges } from "#core/pipeline/changes.ts";
import { buildRoutes } from "#core/pipeline/table-route.ts";
import { applyStatements } from "#core/sinks/mysql/applier.ts";
import { destinationChanges } from "#core/sinks/mysql/changes.ts";
import { sqlValue } from "#core/sql/values.ts";
import { catalogOf, table } from "../support/facts.ts";
import { spec } from "../support/spec-fixtures.ts";

const catalog = catalogOf(table("shop", "orders"), table("shop", "customers"));
const routes = buildRoutes(
  spec({
    objects: [
      {
        database: "shop",
        as: "shop2",
        tables: [
          {
            name: "orders",
            as: "orders_v2",
            where: "status <> 'void'",
            columns: ["id", { name: "status", as: "state" }],
          },
          { name: "customers", dml: ["insert", "update"] },
        ],
      },
    ],
  }),
  catalog,
);

const update = (before: Record<string, unknown>, after: Record<string, unknown>): RowChange => ({
  op: "update",
  database: "shop",
  table: "orders",
  before: before as never,
  after: after as never,
});
/** The MySQL destination's writes for changes, through the task's row pipeline. */
const transformChange = (change: RowChange, routeMap: typeof routes) =>
  destinationChanges(
    selectedChanges(
      [{ position: { file: "f.000001", position: 4 }, timestamp: 0, changes: [change] }],
      routeMap,
      "key-changes",
    ),
  );
const kinds = (change: RowChange) => transformChange(change, routes).map((c) => c.kind);

describe("row changes through the task's selection", () => {
  it("turns an UPDATE leaving the filter into a DELETE and one entering it into an upsert", () => {
    expect(kinds(update({ id: 1, status: "paid" }, { id: 1, status: "void" }))).toEqual(["delete"]);
    expect(kinds(update({ id: 1, status: "void" }, { id: 1, status: "paid" }))).toEqual(["upsert"]);
    expect(kinds(update({ id: 1, status: "void" }, { id: 1, status: "VOID" }))).toEqual([]);
    expect(kinds(update({ id: 1, status: "new" }, { id: 1, status: "paid" }))).toEqual(["upsert"]);
  });

  it("turns a key change into a delete of the old key and an upsert of the new row", () => {
    expect(kinds(update({ id: 1, status: "new" }, { id: 2, status: "new" }))).toEqual(["delete", "upsert"]);
  });

  it("skips DML operations the table does not select, other tables and heartbeat tables", () => {
    expect(kinds({ op: "delete", database: "shop", table: "customers", before: { id: 1 } })).toEqual([]);
    expect(kinds({ op: "insert", database: "shop", table: "customers", after: { id: 1 } })).toEqual([
      "upsert",
    ]);
    expect(kinds({ op: "insert", database: "shop", table: "other", after: { id: 1 } })).toEqual([]);
    expect(
      kinds({ op: "insert", database: "dts_health_check", table: "ha_health_check", after: { id: 1 } }),
    ).toEqual([]);
  });

  it("writes mapped names, only the selected columns, and exact keys", () => {
    const changes = [
      ...transformChange(
        { op: "insert", database: "shop", table: "orders", after: { id: 1, status: "new", amount: 5 } },
        routes,
      ),
      ...transformChange(
        {
          op: "insert",
          database: "shop",
          table: "orders",
          after: { id: "18446744073709551615", status: "a'b", amount: 1 },
        },
        routes,
      ),
      ...transformChange(
        { op: "delete", database: "shop", table: "orders", before: { id: 3, status: "paid" } },
        routes,
      ),
    ];
    expect(applyStatements(changes)).toEqual([
      "INSERT INTO `shop2`.`orders_v2` (`id`, `state`) VALUES (1,'new'),(18446744073709551615,'a''b') ON DUPLICATE KEY UPDATE `state` = VALUES(`state`)",
      "DELETE FROM `shop2`.`orders_v2` WHERE (`id`) IN ((3))",
    ]);
  });
});

describe("binlog values as SQL literals", () => {
  it("keeps numbers, big integers, decimals, text, binary and NULL exact", () => {
    expect(sqlValue(null, "int")).toBe("NULL");
    expect(sqlValue(3.1415927410125732, "float")).toBe("3.1415927410125732");
    expect(sqlValue(-0, "double")).toBe("-0e0");
    expect(sqlValue("-9223372036854775808", "bigint")).toBe("-9223372036854775808");
    expect(sqlValue("12.50", "decimal")).toBe("12.50");
    expect(sqlValue("2024-01-02 03:04:05.123456", "datetime")).toBe("'2024-01-02 03:04:05.123456'");
    expect(sqlValue("1; DROP TABLE x", "bigint")).toBe("'1; DROP TABLE x'");
    expect(sqlValue(Buffer.from([0, 255]), "blob")).toBe("X'00ff'");
    expect(sqlValue(Buffer.alloc(0), "varbinary")).toBe("''");
  });
});
