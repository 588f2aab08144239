import type { Row } from "../../model/row.ts";
import type { TableRoute } from "../../pipeline/table-route.ts";
import type { DdlEvent } from "./record.ts";
import { canalTextOf } from "./values.ts";

export type PartitionPolicy = "partition-0" | "hash-table" | "hash-pk";

/** Java's String.hashCode: s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, 32-bit wrap-around. */
export function javaHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/** partition = abs(hash % partitions), as Java computes it. */
export function partitionOf(key: string, partitions: number): number {
  return Math.abs(javaHashCode(key) % partitions);
}

/**
 * The key string a message is routed by (and carries as its Kafka key):
 * - hash-table: the database name followed by the table name, after mapping, no separator;
 * - hash-pk: the canonical text of the hash columns joined by ',' (NULL as the empty string);
 *   a table without key columns has no key and goes to partition 0;
 * - partition-0: no key.
 */
export function rowKeyString(policy: PartitionPolicy, table: TableRoute, row: Row): string | undefined {
  if (policy === "hash-table") return table.destination.database + table.destination.table;
  if (policy === "partition-0" || table.hashColumns.length === 0) return undefined;
  const readers = hashKeyReaders(table);
  let key = (readers[0] as HashKeyReader)(row);
  for (let i = 1; i < readers.length; i++) key += `,${(readers[i] as HashKeyReader)(row)}`;
  return key;
}

type HashKeyReader = (row: Row) => string;
const hashKeys = new WeakMap<TableRoute, HashKeyReader[]>();

/** The text of each hash column of a row, chosen once per table. */
function hashKeyReaders(table: TableRoute): HashKeyReader[] {
  let readers = hashKeys.get(table);
  if (!readers) {
    const definitions = new Map(table.columns.map((c) => [c.source, c.definition]));
    readers = table.hashColumns.map((name): HashKeyReader => {
      const definition = definitions.get(name);
      if (!definition) return (row) => String(row[name] ?? "");
      const text = canalTextOf(definition);
      return (row) => text(row[name]) ?? "";
    });
    hashKeys.set(table, readers);
  }
  return readers;
}

export function rowPartition(policy: PartitionPolicy, key: string | undefined, partitions: number): number {
  return key === undefined || policy === "partition-0" ? 0 : partitionOf(key, partitions);
}

/** DDL: the table's partition under hash-table (database-level DDL to 0), else partition 0. */
export function ddlPartition(policy: PartitionPolicy, event: DdlEvent, partitions: number): number {
  if (policy === "hash-table" && event.table !== "")
    return partitionOf(event.database + event.table, partitions);
  return 0;
}
