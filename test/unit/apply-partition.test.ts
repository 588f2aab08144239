import { describe, expect, it } from "vitest";
import type { RowChange } from "#core/model/row.ts";
import { selectedChanges } from "#core/pipeline/changes.ts";
import { buildRoutes } from "#core/pipeline/table-route.ts";
import {
  compactChanges,
  type DestinationChange,
  destinationChanges,
  partitionChanges,
} from "#core/sinks/mysql/changes.ts";
import { catalogOf, table } from "../support/facts.ts";
import { spec } from "../support/spec-fixtures.ts";

// With destination.applyConnections > 1 a batch is applied as side-by-side transactions, one per
// part. What users rely on: a row is never written out of order, and rows the destination might
// match under a collation or another unique key are never in two parts at once.
const routes = buildRoutes(
  spec({ objects: [{ database: "shop" }] }),
  catalogOf(
    table("shop", "orders"),
    table("shop", "tags", {
      columns: [
        { name: "id", dataType: "varchar", columnType: "varchar(20)", nullable: false, generated: false },
        { name: "status", dataType: "varchar", columnType: "varchar(20)", nullable: true, generated: false },
        {
          name: "amount",
          dataType: "decimal",
          columnType: "decimal(10,2)",
          nullable: true,
          generated: false,
        },
      ],
    }),
    table("shop", "coupons", {
      keys: [
        { name: "PRIMARY", primary: true, unique: true, columns: ["id"] },
        { name: "code", primary: false, unique: true, columns: ["status"] },
      ],
    }),
  ),
);

function writes(changes: RowChange[]): DestinationChange[] {
  const batch = changes.map((change, i) => ({
    position: { file: "f.000001", position: 4 + i },
    timestamp: 0,
    changes: [change],
  }));
  return compactChanges(destinationChanges(selectedChanges(batch, routes, "key-changes")));
}

const row = (id: number | string, status = "s") => ({ id, status, amount: "1.00" });
const insert = (t: string, id: number | string, status?: string): RowChange => ({
  op: "insert",
  database: "shop",
  table: t,
  after: row(id, status),
});
const move = (t: string, from: number | string, to: number | string): RowChange => ({
  op: "update",
  database: "shop",
  table: t,
  before: row(from),
  after: row(to),
});

const describeParts = (parts: DestinationChange[][]) =>
  parts.map((part) => part.map((c) => `${c.route.source.table}:${c.kind}:${String(c.row.id)}`));

describe("a batch split into side-by-side destination transactions", () => {
  it("spreads integer-keyed rows over every part, each key in exactly one", () => {
    const changes = writes(Array.from({ length: 400 }, (_, i) => insert("orders", i + 1)));
    const parts = partitionChanges(changes, 4);
    expect(parts.map((p) => p.length).every((n) => n > 50)).toBe(true);
    const ids = parts.flatMap((p) => p.map((c) => c.row.id));
    expect(new Set(ids).size).toBe(400);
    expect(ids.length).toBe(400);
  });

  it("puts each key's last write (after compaction) in exactly one part", () => {
    const changes = writes([move("orders", 7, 8), move("orders", 8, 7)]);
    const parts = partitionChanges(changes, 4);
    for (const part of parts) {
      const seven = part.filter((c) => c.row.id === 7).map((c) => c.kind);
      if (seven.length) expect(seven).toEqual(["upsert"]);
    }
    expect(parts.flat()).toHaveLength(changes.length);
    for (const change of changes)
      expect(
        parts.filter((p) => p.some((c) => c.row.id === change.row.id && c.kind === change.kind)),
      ).toHaveLength(1);
  });

  it("keeps a text-keyed table (collation: 'a' = 'A') and a table with another unique key in the first part, in batch order", () => {
    const changes = writes([
      insert("tags", "a"),
      move("tags", "a", "A"),
      insert("coupons", 1, "x"),
      move("coupons", 1, 2),
      insert("coupons", 3, "x"),
    ]);
    const parts = partitionChanges(changes, 3);
    expect(parts.slice(1)).toEqual([[], []]);
    expect(describeParts(parts)[0]).toEqual([
      "tags:delete:a",
      "tags:upsert:A",
      "coupons:upsert:1",
      "coupons:delete:1",
      "coupons:upsert:2",
      "coupons:upsert:3",
    ]);
  });

  it("with one part, is the batch unchanged", () => {
    const changes = writes([insert("orders", 1), insert("tags", "b"), move("orders", 1, 2)]);
    expect(partitionChanges(changes, 1)).toEqual([changes]);
  });
});
