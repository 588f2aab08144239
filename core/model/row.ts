import type { BinlogPosition } from "../model/position.ts";

export type RowValue =
  | string
  | number
  | bigint
  | boolean
  | Buffer
  | null
  | Record<string, unknown>
  | unknown[];
export type Row = Record<string, RowValue>;

/** One row changed by the source, as the binlog tells it (full images: binlog_row_image=FULL). */
export interface RowChange {
  op: "insert" | "update" | "delete";
  database: string;
  table: string;
  before?: Row;
  after?: Row;
}

/** A committed source transaction, or a DDL statement (which commits on its own). */
export interface SourceTransaction {
  /** Where to resume after this transaction. */
  position: BinlogPosition;
  /** Source commit time, epoch milliseconds (binlog events carry seconds). */
  timestamp: number;
  changes: RowChange[];
  ddl?: { database: string; sql: string };
  /** Size of its row events in the binlog, when the reader knows it (bounds the tailer's queue). */
  bytes?: number;
  /**
   * Not a transaction: the source said its binlog is at `position` and nothing is waiting (an idle
   * source's heartbeat). The tailer checkpoints it, so positions advance without writes.
   */
  idle?: true;
}

/**
 * Sets a field of a row. `__proto__` is a column name like any other, but assigning it to a plain
 * object would set the object's prototype and lose the value.
 */
export function setField(row: Record<string, unknown>, name: string, value: unknown): void {
  if (name === "__proto__")
    Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true });
  else row[name] = value;
}
