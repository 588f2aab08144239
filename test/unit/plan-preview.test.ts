import { describe, expect, it } from "vitest";
import type { Catalog, CatalogTable } from "#core/model/catalog.ts";
import type { ReadSample } from "#core/plan/estimate.ts";
import { type PlanSource, previewTask, type TableSize } from "#core/plan/preview.ts";
import { sampleSelect } from "#core/plan/read-sample.ts";
import { renderPlan } from "#core/plan/render.ts";
import type { TaskSpecInput } from "#core/spec/schema.ts";
import { spec } from "../support/spec-fixtures.ts";

const column = (name: string, dataType: string, columnType = dataType) => ({
  name,
  dataType,
  columnType,
  nullable: false,
  generated: false,
});

const orders: CatalogTable = {
  database: "shop",
  name: "orders",
  columns: [column("id", "bigint"), column("status", "varchar", "varchar(20)"), column("note", "text")],
  keys: [
    { name: "PRIMARY", primary: true, unique: true, columns: ["id"] },
    { name: "idx_status", primary: false, unique: false, columns: ["status"] },
  ],
  estimatedRows: 250_000,
};
const events: CatalogTable = {
  database: "shop",
  name: "events",
  columns: [column("at", "datetime"), column("payload", "text")],
  keys: [],
  estimatedRows: 10,
};

const SHOW_CREATE: Record<string, string> = {
  orders: [
    "CREATE TABLE `orders` (",
    "  `id` bigint(20) NOT NULL,",
    "  `status` varchar(20) NOT NULL,",
    "  `note` text NOT NULL,",
    "  PRIMARY KEY (`id`),",
    "  KEY `idx_status` (`status`)",
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
  ].join("\n"),
  events: [
    "CREATE TABLE `events` (",
    "  `at` datetime NOT NULL,",
    "  `payload` text NOT NULL",
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
  ].join("\n"),
};

const SIZES: Record<string, TableSize> = {
  orders: { rows: 250_000, rowBytes: 100, dataBytes: 25_000_000, indexBytes: 4_000_000 },
  events: { rows: 10, rowBytes: 50, dataBytes: 16_384, indexBytes: 0 },
};

/** A source that answers from the tables above and records what it was asked to sample. */
function fakeSource(): PlanSource & { sampled: { table: string; readers: number; sql: string }[] } {
  const catalog: Catalog = new Map([
    [
      "shop",
      new Map([
        ["orders", orders],
        ["events", events],
      ]),
    ],
  ]);
  const sampled: { table: string; readers: number; sql: string }[] = [];
  return {
    sampled,
    catalog: async () => catalog,
    size: async (_database, table) => SIZES[table] as TableSize,
    rowsPerChunk: async (_plan, sizes) => sizes.chunkRows,
    showCreateTable: async (_database, table) => SHOW_CREATE[table] as string,
    async sample(table, readers): Promise<ReadSample> {
      sampled.push({ table: table.name, readers, sql: sampleSelect(table.plan, table.route, false, 1000) });
      return { table: table.name, rows: 100_000, seconds: 0.5, readers, rowBytes: table.size.rowBytes };
    },
  };
}

const ordersOnly: Partial<TaskSpecInput> = {
  objects: [
    {
      database: "shop",
      as: "shop_copy",
      tables: [
        {
          name: "orders",
          as: "orders_v2",
          columns: ["id", { name: "status", as: "state" }],
          where: "id > 10",
        },
      ],
    },
  ],
  fullLoad: { chunkRows: 100_000, parallelism: 2 },
};

describe("dts plan (fake source)", () => {
  it("lists each table with its mapped name, size, chunks and column effects", async () => {
    const plan = await previewTask(spec(ordersOnly), fakeSource());
    const [table] = plan.tables;
    expect(table).toMatchObject({
      source: "shop.orders",
      destination: "shop_copy.orders_v2",
      rows: 250_000,
      dataBytes: 25_000_000,
      rowsPerChunk: 100_000,
      chunks: 3,
      filter: "id > 10",
    });
    expect(table?.columns).toMatchObject({
      dropped: ["note"],
      renamed: [{ from: "status", to: "state" }],
      added: [],
    });
    expect(plan.totals).toEqual({ rows: 250_000, dataBytes: 25_000_000, chunks: 3 });
  });

  it("builds the schema phase's DDL with mapped names and defers the secondary index", async () => {
    const [table] = (await previewTask(spec(ordersOnly), fakeSource())).tables;
    const [create] = table?.ddl ?? [];
    expect(create).toContain("CREATE TABLE IF NOT EXISTS `shop_copy`.`orders_v2`");
    expect(create).toContain("`state` varchar(20)");
    expect(create).not.toContain("`note`");
    expect(table?.deferredIndexes).toEqual(["KEY `idx_status` (`state`)"]);
  });

  it("samples the largest table with one reader per worker and gives an ETA", async () => {
    const source = fakeSource();
    const plan = await previewTask(spec(ordersOnly), source);
    expect(source.sampled).toMatchObject([{ table: "shop.orders", readers: 2 }]);
    // 100,000 rows in 0.5 s by 2 readers, 2 workers: 200,000 rows/s read.
    expect(plan.eta?.readRowsPerSecond).toBeCloseTo(200_000);
    expect(plan.eta?.seconds).toBeGreaterThan(250_000 / 200_000);
  });

  it("samples through the copy's line SELECT, without the filter (a LIMIT must not scan for matches)", async () => {
    const source = fakeSource();
    await previewTask(spec(ordersOnly), source);
    const [{ sql = "" } = {}] = source.sampled;
    expect(sql).toMatch(/^SELECT CONCAT.* FROM `shop`\.`orders` WHERE TRUE LIMIT 1000$/);
    expect(sql).not.toContain("id` > 10");
  });

  it("shows the ETL script's added columns and the statement that adds them", async () => {
    const plan = await previewTask(
      spec({
        ...ordersOnly,
        etl: {
          script: 'e_set(`synced`, "yes")',
          addColumns: [{ table: "shop.orders", name: "synced", type: "VARCHAR(8)" }],
        },
      }),
      fakeSource(),
    );
    const [table] = plan.tables;
    expect(table?.columns.added).toEqual([{ name: "synced", type: "varchar(8)" }]);
    expect(table?.ddl[1]).toBe("ALTER TABLE `shop_copy`.`orders_v2` ADD COLUMN `synced` varchar(8) NULL");
    expect(table?.ddl[0]).not.toContain("synced");
  });

  it("shows which columns the script sets and that it may drop rows", async () => {
    const script = "e_compose(e_set(`status`, 'masked'), e_if(op_gt(`id`, 100), e_drop()))";
    const [table] = (await previewTask(spec({ ...ordersOnly, etl: { script } }), fakeSource())).tables;
    expect(table?.columns).toMatchObject({ setByScript: ["status"], rowsMayBeDropped: true });
    const text = renderPlan(await previewTask(spec({ ...ordersOnly, etl: { script } }), fakeSource()));
    expect(text).toContain("columns the ETL script may set: status");
    expect(text).toContain("rows: the ETL script may drop some of this table's rows");
  });

  it("names a table it cannot move and one the source lacks, and has no ETA without a full load", async () => {
    const plan = await previewTask(
      spec({
        migrationTypes: ["schema", "incremental"],
        objects: [{ database: "shop", tables: [{ name: "events" }, { name: "gone" }] }],
      }),
      fakeSource(),
    );
    expect(plan.tables[0]?.problem).toMatch(/no primary key/);
    expect(plan.missing).toEqual(["shop.gone"]);
    expect(plan.eta).toBeUndefined();
    expect(renderPlan(plan)).toContain("No full load in this task: no ETA.");
  });

  it("renders a readable table with every mapped name, the DDL and the ETA", async () => {
    const text = renderPlan(await previewTask(spec(ordersOnly), fakeSource()));
    expect(text).toMatch(/\| shop\.orders\s+\| shop_copy\.orders_v2\s+\| 250,000\s+\|/);
    expect(text).toContain("shop.orders -> shop_copy.orders_v2");
    expect(text).toContain("columns renamed: status -> state");
    expect(text).toContain("columns not migrated: note");
    expect(text).toContain("CREATE TABLE IF NOT EXISTS `shop_copy`.`orders_v2`");
    expect(text).toMatch(/Full load ETA: \d+\.\d s \(2 worker\(s\), about [\d,]+ rows\/s\)/);
    expect(text).toContain("destination writes not measured");
  });
});
