import type { Connection, RowDataPacket } from "mysql2/promise";
import type { KafkaWriter } from "../sinks/kafka/writer.ts";
import { readCatalog } from "../source/catalog-reader.ts";
import { qualified, selectedTables } from "../spec/mapping.ts";
import type { TaskSpec } from "../spec/schema.ts";
import { namesTable } from "../spec/table-name.ts";
import { quoteIdentifier, quoteQualified } from "../sql/identifiers.ts";
import type { SchemaOutcome } from "../store/task-store.ts";
import { destinationCreateTable } from "./create-table.ts";

/**
 * Schema migration into Kafka: one DDL record per selected table, the source's CREATE TABLE with
 * the task's mapping applied (names, selected columns), on the DDL topic. Consumers create their
 * tables from these records before the snapshot rows arrive.
 */
export async function publishSchema(
  spec: TaskSpec,
  source: Connection,
  writer: KafkaWriter,
): Promise<SchemaOutcome> {
  const catalog = await readCatalog(source, [...new Set(spec.objects.map((o) => o.database))]);
  const notes: string[] = [];
  let published = 0;
  for (const table of selectedTables(spec, catalog)) {
    const [[row]] = await source.query<RowDataPacket[]>(
      `SHOW CREATE TABLE ${quoteQualified(table.source.database, table.source.table)}`,
    );
    const ddl = destinationCreateTable(String(row?.["Create Table"]), table, true, false);
    await writer.writeDdl([
      {
        database: table.destination.database,
        table: table.destination.table,
        sql: ddl.sql,
        sourceTimestamp: Date.now(),
        position: "",
      },
    ]);
    notes.push(...ddl.notes.map((n) => `${qualified(table.destination)}: ${n}`));
    published++;
    for (const column of (spec.etl?.addColumns ?? []).filter((c) => namesTable(c.table, table.source))) {
      await writer.writeDdl([
        {
          database: table.destination.database,
          table: table.destination.table,
          sql: `ALTER TABLE ${quoteQualified(table.destination.database, table.destination.table)} ADD COLUMN ${quoteIdentifier(column.name)} ${column.type} NULL`,
          sourceTimestamp: Date.now(),
          position: "",
        },
      ]);
    }
  }
  notes.push(
    `${published} CREATE TABLE record(s) written to ${spec.destination.type === "kafka" ? (spec.destination.ddlTopic ?? spec.destination.topic) : ""}`,
  );
  return { createdTables: [], notes, completedAt: new Date().toISOString() };
}
