import type { Connection } from "mysql2/promise";
import type { SourceTransaction } from "../../model/row.ts";
import { ddlScope, translateDdl } from "../../pipeline/ddl.ts";
import type { TableRoute } from "../../pipeline/routes.ts";
import type { ChangeSink } from "../../pipeline/sink.ts";
import { rereadSpatialValues } from "../../pipeline/spatial.ts";
import { type DestinationChange, transformChange } from "../../pipeline/transform.ts";
import type { TaskSpec } from "../../spec/schema.ts";
import { applyChanges } from "./applier.ts";

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
    const changes: DestinationChange[] = [];
    for (const tx of batch)
      for (const change of tx.changes)
        for (const out of transformChange(change, routes)) {
          const etl = out.route.etl;
          if (!etl || etl.passThrough) {
            changes.push(out);
            continue;
          }
          // The script sees the change's real operation and commit time; a dropped row is not written.
          const row = etl.transform(out.row, {
            operation: out.kind === "delete" ? "delete" : change.op,
            commitTimestamp: tx.timestamp,
          });
          if (row) changes.push({ ...out, row });
        }
    await applyChanges(this.destination, await rereadSpatialValues(this.source, changes));
    return changes.length;
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
