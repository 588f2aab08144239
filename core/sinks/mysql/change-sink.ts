import type { Connection } from "mysql2/promise";
import { capitalize } from "../../spec/mapping.ts";
import type { TaskSpec } from "../../spec/schema.ts";
import { translateDdl } from "../../stream/ddl.ts";
import type { SourceTransaction } from "../../stream/events.ts";
import type { TableRoute } from "../../stream/routes.ts";
import type { ChangeSink } from "../../stream/sink.ts";
import { rereadSpatialValues } from "../../stream/spatial.ts";
import { type DestinationChange, transformChange } from "../../stream/transform.ts";
import { applyChanges } from "./applier.ts";

/** Databases selected whole (their new tables follow), source name -> destination name. */
export function wholeDatabases(spec: TaskSpec): Map<string, string> {
  return new Map(
    spec.objects
      .filter((o) => !o.tables)
      .map((o) => [o.database, o.as ?? capitalize(o.database, spec.capitalization)]),
  );
}

/** True when the spec migrates every column of the route's table under its own name. */
export function allColumnsSelected(spec: TaskSpec, route: TableRoute): boolean {
  const object = spec.objects.find((o) => o.database === route.selected.source.database);
  const table = object?.tables?.find((t) => t.name === route.selected.source.table);
  return !table?.columns;
}

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
    const action = translateDdl(ddl.sql, ddl.database, routes, wholeDatabases(this.spec), (route) =>
      allColumnsSelected(this.spec, route),
    );
    if (action.kind === "ignore") return false;
    this.log?.("applying DDL", { sql: action.sql });
    await this.destination.query(action.sql);
    return true;
  }

  async close(): Promise<void> {}
}
