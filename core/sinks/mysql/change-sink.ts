import type { Connection } from "mysql2/promise";
import type { SourceTransaction } from "../../model/row.ts";
import { selectedChanges } from "../../pipeline/changes.ts";
import { ddlScope, translateDdl } from "../../pipeline/ddl.ts";
import type { ChangeSink } from "../../pipeline/sink.ts";
import type { TableRoute } from "../../pipeline/table-route.ts";
import type { TaskSpec } from "../../spec/schema.ts";
import { applyChanges } from "./applier.ts";
import {
  compactChanges,
  type DestinationChange,
  destinationChanges,
  partitionChanges,
  withSpatialValues,
} from "./changes.ts";

/** MySQL errors after which a transaction can simply run again: deadlock, lock wait timeout. */
const RETRY_ERRNOS = new Set([1213, 1205]);

/**
 * The MySQL destination: upserts and deletes, DDL translated. With one connection a batch of
 * whole source transactions is one destination transaction; with more (destination
 * `applyConnections`), its rows are spread by key over transactions applied side by side.
 */
export class MysqlChangeSink implements ChangeSink {
  private readonly destination: Connection;

  constructor(
    private readonly spec: TaskSpec,
    private readonly source: Connection,
    private readonly destinations: readonly Connection[],
    private readonly log?: (message: string, fields?: Record<string, unknown>) => void,
  ) {
    const first = destinations[0];
    if (!first) throw new Error("the MySQL sink needs a destination connection");
    this.destination = first;
  }

  async writeTransactions(
    batch: readonly SourceTransaction[],
    routes: Map<string, TableRoute>,
  ): Promise<number> {
    const selected = selectedChanges(batch, routes, "key-changes");
    const writes = compactChanges(destinationChanges(selected));
    const kept = await withSpatialValues(this.source, writes);
    if (this.destinations.length === 1) await applyChanges(this.destination, kept);
    else await this.applySpread(kept);
    // Row changes applied, as every sink counts them: a key move is one change (two statements here),
    // writes compacted into a key's last one count too, and an upsert whose row is gone from the
    // source meanwhile is not written.
    return selected.length - (writes.length - kept.length);
  }

  /**
   * The batch's rows spread by key into twice as many parts as connections, each part one
   * transaction; every connection takes the next part as soon as its last one committed, so a
   * connection that finished early does not wait for the slowest. A part that met a deadlock or
   * lock wait (the parts touch different rows, but share index pages and gaps) runs again once the
   * others are done. Any other failure fails the batch: the parts already committed are written
   * again from the checkpoint, which changes nothing.
   */
  private async applySpread(changes: readonly DestinationChange[]): Promise<void> {
    const parts = partitionChanges(changes, this.destinations.length * 2).filter((part) => part.length > 0);
    const failed: { part: DestinationChange[]; connection: Connection; error: unknown }[] = [];
    let next = 0;
    await Promise.all(
      this.destinations.map(async (connection) => {
        while (failed.length === 0) {
          const part = parts[next++];
          if (!part) return;
          await applyChanges(connection, part).catch((error: unknown) =>
            failed.push({ part, connection, error }),
          );
        }
      }),
    );
    for (const { error } of failed) {
      const errno = (error as { errno?: number }).errno;
      if (errno === undefined || !RETRY_ERRNOS.has(errno)) throw error;
    }
    for (const { part, connection } of failed) await applyChanges(connection, part);
    // Parts no connection took once a part had failed.
    for (let part = parts[next++]; part; part = parts[next++]) await applyChanges(this.destination, part);
  }

  async writeDdl(tx: SourceTransaction, routes: Map<string, TableRoute>): Promise<boolean> {
    const ddl = tx.ddl;
    if (!ddl) return false;
    const action = translateDdl(ddl.sql, ddl.database, ddlScope(this.spec, routes, true));
    if (action.kind === "ignore") return false;
    for (const statement of action.statements) {
      this.log?.("applying DDL", { sql: statement.sql });
      await this.destination.query(statement.sql);
    }
    return true;
  }

  async close(): Promise<void> {}
}
