import type { CatalogColumn } from "#core/model/catalog.ts";
import { buildRoutes, type TableRoute } from "#core/pipeline/table-route.ts";
import type { RowEvent } from "#core/sinks/kafka/record.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import type { KafkaDestination } from "#core/spec/schema.ts";
import { tableKey } from "#core/spec/table-name.ts";
import { catalogOf, table } from "./facts.ts";
import { specInput } from "./spec-fixtures.ts";

/** The Kafka encoders' test table (shop.orders, a column of each kind), a row of it, and events. */
export const column = (
  name: string,
  dataType: string,
  columnType = dataType,
  charset?: string,
): CatalogColumn => ({
  name,
  dataType,
  columnType,
  nullable: true,
  generated: false,
  charset,
});

export const TABLE: TableRoute = (() => {
  const columns = [
    column("id", "bigint", "bigint(20) unsigned"),
    column("note", "varchar", "varchar(20)", "utf8mb4"),
    column("l1", "varchar", "varchar(20)", "latin1"),
    column("amount", "decimal", "decimal(10,2)"),
    column("f", "float"),
    column("ts", "timestamp", "timestamp(6)"),
    column("tm", "time", "time(6)"),
    column("d", "date"),
    column("bin", "varbinary", "varbinary(4)"),
    column("b", "bit", "bit(64)"),
    column("j", "json", "longtext"),
  ];
  const orders = table("shop", "orders", { columns });
  const task = parseTaskSpec(specInput({ objects: [{ database: "shop" }] }));
  return buildRoutes(task, catalogOf(orders)).get(tableKey("shop", "orders")) as TableRoute;
})();

export const ROW = {
  id: "18446744073709551615",
  note: "🚀 ok",
  l1: "café",
  amount: "-12.50",
  f: Math.fround(3.14159274),
  ts: "2024-06-30 23:59:59.999999",
  tm: "-838:59:59.000000",
  d: "0000-00-00",
  bin: Buffer.from([0x00, 0xff]),
  b: Buffer.from("8000000000000001", "hex"),
  j: '{"k": [1, 2.5]}',
};

export const event = (op: RowEvent["op"], before?: object, after?: object): RowEvent => ({
  op,
  table: TABLE,
  before: before as RowEvent["before"],
  after: after as RowEvent["after"],
  sourceTimestamp: 1_700_000_000_000,
  position: "mysql-bin.000001:4",
});

/** A Kafka destination as a task spec parses it: topic `orders`, `fields` over the defaults. */
export function kafkaDestination(fields: Record<string, unknown>): KafkaDestination {
  const destination = parseTaskSpec({
    name: "t",
    source: { host: "h", user: "u", password: "p" },
    destination: { type: "kafka", brokers: ["b:9092"], topic: "orders", ...fields },
    migrationTypes: ["incremental"],
    objects: [{ database: "shop" }],
  }).destination;
  if (destination.type !== "kafka") throw new Error("kafka spec expected");
  return destination;
}
