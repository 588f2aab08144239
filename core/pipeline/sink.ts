import type { BinlogPosition } from "../model/position.ts";
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
  /**
   * Destinations that commit the checkpoint with the data (Kafka, delivery "exactly-once") keep
   * their own: called once the tailer holds the lease, it fences older writers of the destination
   * and returns the position after the last transaction they committed. The tailer starts there
   * when it is ahead of the stored checkpoint (which is written after the destination commits).
   */
  committedPosition?(): Promise<BinlogPosition | undefined>;
  close(): Promise<void>;
}
