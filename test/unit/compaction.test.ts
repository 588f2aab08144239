import { describe, expect, it } from "vitest";
import type { Row, RowChange } from "#core/model/row.ts";
import { selectedChanges } from "#core/pipeline/changes.ts";
import { buildRoutes } from "#core/pipeline/table-route.ts";
import { applyStatements } from "#core/sinks/mysql/applier.ts";
import { compactChanges, destinationChanges } from "#core/sinks/mysql/changes.ts";
import { catalogOf, table } from "../support/facts.ts";
import { spec } from "../support/spec-fixtures.ts";

const routes = buildRoutes(
  spec({ objects: [{ database: "shop" }] }),
  catalogOf(
    table("shop", "orders"),
    table("shop", "lines"),
    table("shop", "coupons", {
      keys: [
        { name: "PRIMARY", primary: true, unique: true, columns: ["id"] },
        { name: "code", primary: false, unique: true, columns: ["status"] },
      ],
    }),
  ),
);

type Image = Row;
const insert = (after: Image, t = "orders"): RowChange => ({
  op: "insert",
  database: "shop",
  table: t,
  after,
});
const update = (before: Image, after: Image, t = "orders"): RowChange => ({
  op: "update",
  database: "shop",
  table: t,
  before,
  after,
});
const remove = (before: Image, t = "orders"): RowChange => ({
  op: "delete",
  database: "shop",
  table: t,
  before,
});

/** The statements a batch of source transactions (one change each) becomes, compacted. */
function statements(...changes: RowChange[]): string[] {
  const batch = changes.map((change, i) => ({
    position: { file: "f.000001", position: 4 + i },
    timestamp: 0,
    changes: [change],
  }));
  return applyStatements(compactChanges(destinationChanges(selectedChanges(batch, routes, "key-changes"))));
}

const ORDERS = "INSERT INTO `shop`.`orders` (`id`, `status`, `amount`) VALUES ";
const UPSERT = " ON DUPLICATE KEY UPDATE `status` = VALUES(`status`), `amount` = VALUES(`amount`)";

describe("a batch's writes compacted per row (one destination transaction, so only each key's last write shows)", () => {
  it("writes a row changed several times once, with its last image", () => {
    expect(
      statements(
        insert({ id: 1, status: "new", amount: 1 }),
        update({ id: 1, status: "new", amount: 1 }, { id: 1, status: "paid", amount: 1 }),
        update({ id: 1, status: "paid", amount: 1 }, { id: 1, status: "sent", amount: 2 }),
      ),
    ).toEqual([`${ORDERS}(1,'sent',2)${UPSERT}`]);
  });

  it("deletes a row inserted and deleted in the batch, and writes one deleted then inserted again", () => {
    expect(statements(insert({ id: 1, status: "new" }), remove({ id: 1, status: "new" }))).toEqual([
      "DELETE FROM `shop`.`orders` WHERE (`id`) IN ((1))",
    ]);
    expect(
      statements(remove({ id: 2, status: "old", amount: 1 }), insert({ id: 2, status: "new", amount: 3 })),
    ).toEqual([`${ORDERS}(2,'new',3)${UPSERT}`]);
  });

  it("follows key changes: every key a row left is deleted, the key it ends at written", () => {
    expect(
      statements(
        update({ id: 1, status: "a", amount: 1 }, { id: 2, status: "a", amount: 1 }),
        update({ id: 2, status: "a", amount: 1 }, { id: 3, status: "b", amount: 1 }),
      ),
    ).toEqual(["DELETE FROM `shop`.`orders` WHERE (`id`) IN ((1),(2))", `${ORDERS}(3,'b',1)${UPSERT}`]);
  });

  it("turns interleaved small transactions into one delete and one upsert per table, deletes first", () => {
    const changes: RowChange[] = [];
    for (let i = 1; i <= 50; i++) {
      changes.push(insert({ id: i, status: "n", amount: i }));
      changes.push(insert({ id: i, status: "n", amount: i }, "lines"));
      if (i % 3 === 0) changes.push(remove({ id: i - 1, status: "n", amount: i - 1 }));
      if (i % 5 === 0)
        changes.push(update({ id: i, status: "n", amount: i }, { id: i, status: "u", amount: i }));
    }
    const out = statements(...changes);
    expect(out.map((s) => /^\w+ \w+ \S+/.exec(s)?.[0])).toEqual([
      "DELETE FROM `shop`.`orders`",
      "INSERT INTO `shop`.`orders`",
      "INSERT INTO `shop`.`lines`",
    ]);
    expect(out[0]).toContain("(2),(5),(8)");
    expect(out[1]).toContain("(10,'u',10)");
    expect(out[1]).not.toContain("(5,");
    expect(out[1]).not.toContain("(2,'n',2)");
  });

  it("keeps rows equal under the key's collation apart: the deletes run first, the row present at the end is written", () => {
    expect(
      statements(
        insert({ id: 1, status: "x", amount: 1 }),
        update({ id: 1, status: "x", amount: 1 }, { id: "1", status: "y", amount: 1 }),
      ),
    ).toEqual([`${ORDERS}(1,'y',1)${UPSERT}`]);
  });

  it("keeps every write in source order on a table with another unique key", () => {
    const out = statements(
      update({ id: 1, status: "A", amount: 0 }, { id: 1, status: "B", amount: 0 }, "coupons"),
      update({ id: 2, status: "C", amount: 0 }, { id: 2, status: "A", amount: 0 }, "coupons"),
      remove({ id: 2, status: "A", amount: 0 }, "coupons"),
    );
    expect(out.map((s) => s.slice(0, 6))).toEqual(["INSERT", "DELETE"]);
    expect(out[0]).toContain("VALUES (1,'B',0),(2,'A',0)");
  });
});
