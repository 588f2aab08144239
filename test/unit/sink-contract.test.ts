import { describe, expect, it } from "vitest";
import type { CatalogTable } from "#core/model/catalog.ts";
import { MemoryChangeSink } from "#core/pipeline/memory-sink.ts";
import { buildRoutes } from "#core/pipeline/table-route.ts";
import { fixtureCatalog, type SinkDriver, sinkContract, textRows } from "../support/sink-contract.ts";
import { spec } from "../support/spec-fixtures.ts";

/** The in-memory destination: its tables of rows are the state the suite reads back. */
function memoryDriver(): SinkDriver {
  let sink: MemoryChangeSink | undefined;
  return {
    async prepare() {
      return spec().destination;
    },
    async catalog(names) {
      return fixtureCatalog(names.source);
    },
    async open(task) {
      sink = new MemoryChangeSink(task);
      return sink;
    },
    async read() {
      const tables = (sink?.tables() ?? []).map(
        (t) => [`${t.name.database}.${t.name.table}`, textRows([...t.rows.values()])] as const,
      );
      const ddl = (sink?.ddl ?? []).map((s) => ({ ...s.target, sql: s.sql }));
      return { tables: new Map(tables), ddl };
    },
  };
}

sinkContract("memory", memoryDriver());

describe("the in-memory change sink", () => {
  const task = spec({
    objects: [{ database: "shop", tables: [{ name: "orders", columns: ["id", "note"] }] }],
  });
  const orders: CatalogTable = {
    database: "shop",
    name: "orders",
    columns: ["id", "note", "secret"].map((name) => ({
      name,
      dataType: name === "id" ? "int" : "varchar",
      columnType: name === "id" ? "int(11)" : "varchar(20)",
      nullable: name !== "id",
      generated: false,
    })),
    keys: [{ name: "PRIMARY", primary: true, unique: true, columns: ["id"] }],
    estimatedRows: 0,
  };
  const routes = buildRoutes(task, new Map([["shop", new Map([["orders", orders]])]]));
  const at = { file: "binlog.000001", position: 4 };

  it("keeps only the selected columns and copies what it keeps", async () => {
    const sink = new MemoryChangeSink(task);
    const after = { id: 1, note: "n", secret: "s" };
    const changes = [{ op: "insert" as const, database: "shop", table: "orders", after }];
    expect(await sink.writeTransactions([{ position: at, timestamp: 0, changes }], routes)).toBe(1);
    after.note = "changed";
    expect(sink.rows("shop", "orders")).toEqual([{ id: 1, note: "n" }]);
  });

  it("stops on DDL of a table whose columns are selected, unless told to forward it (Kafka)", async () => {
    const tx = {
      position: at,
      timestamp: 0,
      changes: [],
      ddl: { database: "shop", sql: "ALTER TABLE orders ADD x INT" },
    };
    await expect(new MemoryChangeSink(task).writeDdl(tx, routes)).rejects.toThrow(
      /columns are renamed or selected/,
    );
    const forwarding = new MemoryChangeSink(task, { strictColumns: false });
    expect(await forwarding.writeDdl(tx, routes)).toBe(true);
    expect(forwarding.ddl.map((s) => s.sql)).toEqual(["ALTER TABLE `shop`.`orders` ADD x INT"]);
  });
});
