import type { Connection } from "mysql2/promise";
import type { SourceTransaction } from "../../model/row.ts";
import { selectedChanges } from "../../pipeline/changes.ts";
import { ddlScope, translateDdl } from "../../pipeline/ddl.ts";
import type { ChangeSink } from "../../pipeline/sink.ts";
import type { TableRoute } from "../../pipeline/table-route.ts";
import type { TaskSpec } from "../../spec/schema.ts";
import { applyChanges } from "./applier.ts";
import { compactChanges, destinationChanges, withSpatialValues } from "./changes.ts";

/** The MySQL destination: upserts and deletes in one destination transaction per batch; DDL translated. */
export class MysqlChangeSink implements ChangeSink {
  constructor(
    private readonly spec: TaskSpec,
    private readonly source: Connection,
    private readonly destination: Connection,
    private readonly log?: (message: string, fields?: Record<string, unknown>) => void,
  ) {}

  async writeTransactions(
    batch: readonly SourceTransaction[],
    routes: Map<string, TableRoute>,
  ): Promise<number> {
    const selected = selectedChanges(batch, routes, "key-changes");
    const writes = compactChanges(destinationChanges(selected));
    const kept = await withSpatialValues(this.source, writes);
    await applyChanges(this.destination, kept);
    // Row changes applied, as every sink counts them: a key move is one change (two statements here),
    // writes compacted into a key's last one count too, and an upsert whose row is gone from the
    // source meanwhile is not written.
    return selected.length - (writes.length - kept.length);
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
