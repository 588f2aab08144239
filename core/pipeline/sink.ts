import type { SourceTransaction } from "../model/row.ts";
import type { TableRoute } from "./table-route.ts";

/**
 * Where the tailer writes: one small interface per destination kind (MySQL, Kafka). Both calls
 * resolve only when what they wrote is durable at the destination, so the tailer may checkpoint
 * the position after them.
 */
export interface ChangeSink {
  /** Writes the row changes of whole source transactions; returns the number of rows written. */
  writeTransactions(batch: readonly SourceTransaction[], routes: Map<string, TableRoute>): Promise<number>;
  /** Applies or forwards one DDL statement; true when the selected tables' definitions may have changed. */
  writeDdl(tx: SourceTransaction, routes: Map<string, TableRoute>): Promise<boolean>;
  close(): Promise<void>;
}
