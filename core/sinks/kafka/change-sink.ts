import type { Connection } from "mysql2/promise";
import type { Row, RowChange, SourceTransaction } from "../../model/row.ts";
import { ddlScope, translateDdl } from "../../pipeline/ddl.ts";
import type { CompiledEtl } from "../../pipeline/etl.ts";
import { HEARTBEAT_TABLES, type TableRoute } from "../../pipeline/routes.ts";
import type { ChangeSink } from "../../pipeline/sink.ts";
import { rereadSpatial } from "../../pipeline/spatial.ts";
import type { TaskSpec } from "../../spec/schema.ts";
import { tableKey } from "../../spec/table-name.ts";
import { matchesFilter } from "../../sql/filter-eval.ts";
import type { KafkaProducer } from "./client.ts";
import { type KafkaTable, kafkaTable, type RowEvent } from "./record.ts";
import type { KafkaWriter } from "./writer.ts";

/**
 * The task's script applied to a change: to the after image of inserts and updates and the before
 * image of deletes and updates, with the real operation and commit time. A change whose new image
 * (or, for a delete, whose old one) the script drops is not sent.
 */
export function transformed(
  etl: CompiledEtl,
  change: RowChange,
  commitTimestamp: number,
): RowChange | undefined {
  if (etl.passThrough) return change;
  const context = { operation: change.op, commitTimestamp };
  const before = change.before ? etl.transform(change.before, context) : undefined;
  const after = change.after ? etl.transform(change.after, context) : undefined;
  if (change.op === "delete") return before ? { ...change, before } : undefined;
  if (!after) return undefined;
  return { ...change, after, before: before ?? change.before };
}

export function positionText(position: { file: string; position: number }): string {
  return `${position.file}:${position.position}`;
}

/**
 * The task's selection applied to one change for Kafka: the operation is kept (an UPDATE stays
 * an UPDATE with both images), except that an UPDATE leaving the WHERE filter becomes a DELETE
 * and one entering it an INSERT.
 */
export function selectChange(change: RowChange, route: TableRoute): RowChange | undefined {
  const inFilter = (row: Row | undefined) =>
    row !== undefined && (!route.filter || matchesFilter(route.filter, row));
  if (!route.dml.has(change.op)) return undefined;
  if (change.op === "insert") return inFilter(change.after) ? change : undefined;
  if (change.op === "delete") return inFilter(change.before) ? change : undefined;
  const was = inFilter(change.before);
  const is = inFilter(change.after);
  if (was && is) return change;
  if (was) return { ...change, op: "delete", after: undefined };
  if (is) return { ...change, op: "insert", before: undefined };
  return undefined;
}

/** The Kafka destination of the tailer: one message per row change, DDL to the DDL topic. */
export class KafkaChangeSink implements ChangeSink {
  private readonly tables = new WeakMap<TableRoute, KafkaTable>();
  private lastPartitionCheck = Date.now();

  constructor(
    private readonly spec: TaskSpec,
    private readonly source: Connection,
    private readonly writer: KafkaWriter,
    private readonly producer: KafkaProducer,
    private readonly log?: (message: string, fields?: Record<string, unknown>) => void,
  ) {}

  private table(route: TableRoute): KafkaTable {
    let table = this.tables.get(route);
    if (!table) {
      const keys = this.spec.destination.type === "kafka" ? this.spec.destination.partitionKeys : undefined;
      table = kafkaTable(route.selected, route.table, keys);
      this.tables.set(route, table);
    }
    return table;
  }

  async writeTransactions(
    batch: readonly SourceTransaction[],
    routes: Map<string, TableRoute>,
  ): Promise<number> {
    if (Date.now() - this.lastPartitionCheck > 30_000) {
      this.lastPartitionCheck = Date.now();
      await this.writer.checkPartitions();
    }
    const events: RowEvent[] = [];
    const routeOf = new Map<RowEvent, TableRoute>();
    for (const tx of batch) {
      for (const change of tx.changes) {
        const name = tableKey(change.database, change.table);
        if (HEARTBEAT_TABLES.has(name)) continue;
        const route = routes.get(name);
        if (!route) continue;
        const chosen = selectChange(change, route);
        if (!chosen) continue;
        const selected = route.etl ? transformed(route.etl, chosen, tx.timestamp) : chosen;
        if (!selected) continue;
        const event: RowEvent = {
          op: selected.op,
          table: this.table(route),
          before: selected.before,
          after: selected.after,
          sourceTimestamp: tx.timestamp,
          position: positionText(tx.position),
          txid: tx.position.gtid,
        };
        routeOf.set(event, route);
        events.push(event);
      }
    }
    // Spatial values of new images are read again from the source as the server's bytes.
    const withAfter = events.filter((e) => e.after !== undefined);
    const reread = await rereadSpatial(
      this.source,
      withAfter.map((e) => ({ route: routeOf.get(e) as TableRoute, row: e.after as Row })),
    );
    // A row gone from the source meanwhile: an INSERT is dropped (its delete follows), an UPDATE
    // keeps only the removal of its old image, so a changed key never leaves a stale row behind.
    const gone = new Set<RowEvent>();
    withAfter.forEach((event, i) => {
      const row = reread[i];
      if (row) event.after = row;
      else if (event.op === "update") Object.assign(event, { op: "delete", after: undefined });
      else gone.add(event);
    });
    const written = gone.size === 0 ? events : events.filter((e) => !gone.has(e));
    await this.writer.writeRows(written);
    return written.length;
  }

  async writeDdl(tx: SourceTransaction, routes: Map<string, TableRoute>): Promise<boolean> {
    const ddl = tx.ddl;
    if (!ddl) return false;
    // A DDL record is information for consumers: tables with renamed or selected columns get it too.
    const action = translateDdl(ddl.sql, ddl.database, ddlScope(this.spec, routes, false));
    if (action.kind === "ignore") return false;
    for (const statement of action.statements) {
      this.log?.("forwarding DDL", { sql: statement.sql });
      await this.writer.writeDdl({
        database: statement.target.database,
        table: statement.target.table,
        sql: statement.sql,
        sourceTimestamp: tx.timestamp,
        position: positionText(tx.position),
      });
    }
    return true;
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}
