import type { Row } from "../../model/row.ts";
import type { TableRoute } from "../../pipeline/table-route.ts";

/** One row as a Kafka message: a snapshot row (init) or a change from the binlog. */
export interface RowEvent {
  op: "init" | "insert" | "update" | "delete";
  table: TableRoute;
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
  row(event: RowEvent, id: number): Buffer;
  ddl(event: DdlEvent, id: number): Buffer;
}

/**
 * Message ids: unique and increasing within the stream, also across restarts of the tailer
 * (seeded from the clock in microseconds, never going backwards within a process). Microseconds
 * since 1970 stay exact JavaScript integers until the year 2255.
 */
export class MessageIds {
  private last = 0;
  next(): number {
    const now = Date.now() * 1000;
    this.last = now > this.last ? now : this.last + 1;
    return this.last;
  }
}
