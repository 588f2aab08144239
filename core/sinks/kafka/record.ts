import type { CatalogColumn, CatalogTable } from "../../model/catalog.ts";
import { rowKey } from "../../model/catalog.ts";
import type { Row } from "../../model/row.ts";
import type { SelectedTable } from "../../spec/mapping.ts";
import { namesTable } from "../../spec/table-name.ts";

/** A selected table as Kafka messages name it: destination names, the columns sent, the keys. */
export interface KafkaTable {
  source: { database: string; table: string };
  /** Names after mapping: what messages carry. */
  database: string;
  table: string;
  /** Selected columns in source order: source name, name in messages, catalog definition; then
   * the columns the task's ETL script adds (`added`: not read from the source). */
  columns: { source: string; name: string; definition: CatalogColumn; added?: boolean }[];
  /** Primary key (or the NOT NULL unique key used instead) as names in messages. */
  keyNames: string[];
  /** Source columns hashed by hash-pk (the key, or the columns the task names). */
  hashColumns: string[];
  /** Unique keys as names in messages, for dts-avro's pk_uk_info tag. */
  uniqueKeys: { name: string; columns: string[] }[];
}

export function kafkaTable(
  selected: SelectedTable,
  table: CatalogTable,
  partitionKeys: Record<string, string[]> | undefined,
  added: readonly CatalogColumn[] = [],
): KafkaTable {
  const definitions = new Map(table.columns.map((c) => [c.name, c]));
  const nameOf = new Map(selected.columns.map((c) => [c.source, c.destination]));
  const key = rowKey(table)?.columns ?? [];
  const named = Object.entries(partitionKeys ?? {}).find(([name]) => namesTable(name, selected.source))?.[1];
  return {
    source: selected.source,
    database: selected.destination.database,
    table: selected.destination.table,
    columns: [
      ...selected.columns.flatMap((c) => {
        const definition = definitions.get(c.source);
        return definition ? [{ source: c.source, name: c.destination, definition }] : [];
      }),
      ...added
        .filter((c) => !definitions.has(c.name))
        .map((definition) => ({ source: definition.name, name: definition.name, definition, added: true })),
    ],
    keyNames: key.map((k) => nameOf.get(k) ?? k),
    hashColumns: named ?? key,
    uniqueKeys: table.keys
      .filter((k) => k.unique && k.columns.every((c) => nameOf.has(c)))
      .map((k) => ({ name: k.name, columns: k.columns.map((c) => nameOf.get(c) ?? c) })),
  };
}

/** One row as a Kafka message: a snapshot row (init) or a change from the binlog. */
export interface RowEvent {
  op: "init" | "insert" | "update" | "delete";
  table: KafkaTable;
  before?: Row | undefined;
  after?: Row | undefined;
  /** Source commit time (full load: when the row was read), epoch ms. */
  sourceTimestamp: number;
  /** Binlog position of the transaction, "file:position" ("" for snapshot rows). */
  position: string;
  /** GTID of the transaction when known. */
  txid?: string | undefined;
}

/** A DDL statement as a Kafka message. */
export interface DdlEvent {
  database: string;
  /** "" for database-level statements. */
  table: string;
  sql: string;
  sourceTimestamp: number;
  position: string;
}

/** Turns an event into message bytes; `id` is the message's sequence number in the stream. */
export interface MessageEncoder {
  row(event: RowEvent, id: bigint): Buffer;
  ddl(event: DdlEvent, id: bigint): Buffer;
}

/**
 * Message ids: unique and increasing within the stream, also across restarts of the tailer
 * (seeded from the clock in microseconds, never going backwards within a process).
 */
export class MessageIds {
  private last = 0n;
  next(): bigint {
    const now = BigInt(Date.now()) * 1000n;
    this.last = now > this.last ? now : this.last + 1n;
    return this.last;
  }
}
