import type { PrecheckReport } from "#core/precheck/types.ts";
import type { TaskSpec } from "#core/spec/schema.ts";
import type { IndexesOutcome, SchemaOutcome } from "#core/store/task-store.ts";
import { spec } from "./spec-fixtures.ts";

/** The source table names of a large task: realistic lengths, as an ERP or a sharded schema has. */
export const largeTableName = (i: number) => `customer_order_line_items_${String(i).padStart(5, "0")}`;

/**
 * A task over `tables` tables listed one by one, each mapped (renamed, two columns renamed,
 * a filter), with what each phase records per table: a precheck item, a schema note, deferred
 * indexes, a pending index build. For the size limits of DynamoDB items and Step Functions states.
 */
export function largeTask(
  name: string,
  tables: number,
): { spec: TaskSpec; precheck: PrecheckReport; schema: SchemaOutcome; indexes: IndexesOutcome } {
  const ids = Array.from({ length: tables }, (_, i) => i);
  const destination = (i: number) => `erp.order_lines_${String(i).padStart(5, "0")}`;
  const taskSpec = spec({
    name,
    objects: [
      {
        database: "erp_production",
        as: "erp",
        tables: ids.map((i) => ({
          name: largeTableName(i),
          as: `order_lines_${String(i).padStart(5, "0")}`,
          columns: ["id", { name: "amount_cents", as: "amount" }, { name: "created", as: "created_at" }],
          where: `tenant_id <> ${i % 97}`,
        })),
      },
    ],
  });
  const precheck: PrecheckReport = {
    task: name,
    passed: true,
    counts: { pass: 0, warn: tables, fail: 0, skipped: 0 },
    checks: ids.map((i) => ({
      id: `source.table_charset.${largeTableName(i)}`,
      title: "Table character set",
      status: "warn",
      detail: `erp_production.${largeTableName(i)} uses latin1; its text is converted to utf8mb4 on the destination`,
      fix: "Nothing to do unless the destination must keep latin1: then create the table there first",
    })),
    facts: { partitions: 12 },
    startedAt: "2031-01-01T00:00:00.000Z",
    finishedAt: "2031-01-01T00:01:00.000Z",
  };
  const schema: SchemaOutcome = {
    createdTables: ids.map(destination),
    notes: ids.map(
      (i) => `${destination(i)}: column created renamed to created_at; ROW_FORMAT=COMPRESSED left out`,
    ),
    deferredIndexes: ids.map((i) => ({
      table: destination(i),
      database: "erp",
      name: `order_lines_${String(i).padStart(5, "0")}`,
      indexes: [
        { name: "by_customer", clause: "KEY `by_customer` (`customer_id`, `created_at`)" },
        { name: "by_sku", clause: "KEY `by_sku` (`sku`)" },
      ],
    })),
    completedAt: "2031-01-01T00:10:00.000Z",
  };
  const indexes: IndexesOutcome = {
    tables,
    startedAt: "2031-01-02T00:00:00.000Z",
    pending: ids.map(destination),
  };
  return { spec: taskSpec, precheck, schema, indexes };
}
