import type { Connection } from "mysql2/promise";
import type { BinlogPosition } from "../../model/position.ts";
import type { Row, SourceTransaction } from "../../model/row.ts";
import { selectedChanges } from "../../pipeline/changes.ts";
import { ddlScope, translateDdl } from "../../pipeline/ddl.ts";
import type { ChangeSink } from "../../pipeline/sink.ts";
import { rereadSpatial, spatialColumns } from "../../pipeline/spatial.ts";
import type { TableRoute } from "../../pipeline/table-route.ts";
import type { TaskSpec } from "../../spec/schema.ts";
import type { KafkaProducer } from "./client.ts";
import type { RowEvent } from "./record.ts";
import type { KafkaWriter } from "./writer.ts";

export function positionText(position: { file: string; position: number }): string {
  return `${position.file}:${position.position}`;
}

/** The checkpoint an exactly-once transaction commits: where the next transaction starts. */
export function checkpointText(position: BinlogPosition): string {
  return JSON.stringify({ file: position.file, position: position.position });
}

/** A committed checkpoint read back; anything else is no checkpoint (the stored one is used). */
export function parseCheckpoint(text: string | undefined): BinlogPosition | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as { file?: unknown; position?: unknown };
    if (typeof value.file === "string" && typeof value.position === "number" && value.position >= 4)
      return { file: value.file, position: value.position };
  } catch {
    // not ours
  }
  return undefined;
}

/**
 * The Kafka destination of the tailer: one message per row change, DDL to the DDL topic. With an
 * exactly-once producer, each batch (or DDL) commits with its checkpoint in one Kafka transaction.
 */
export class KafkaChangeSink implements ChangeSink {
  private lastPartitionCheck = Date.now();

  constructor(
    private readonly spec: TaskSpec,
    private readonly source: Connection,
    private readonly writer: KafkaWriter,
    private readonly producer: KafkaProducer,
    private readonly log?: (message: string, fields?: Record<string, unknown>) => void,
  ) {}

  async writeTransactions(
    batch: readonly SourceTransaction[],
    routes: Map<string, TableRoute>,
  ): Promise<number> {
    if (Date.now() - this.lastPartitionCheck > 30_000) {
      this.lastPartitionCheck = Date.now();
      await this.writer.checkPartitions();
    }
    const events: RowEvent[] = [];
    const spatial: { event: RowEvent; route: TableRoute; row: Row }[] = [];
    let positionOf: SourceTransaction | undefined;
    let position = "";
    for (const change of selectedChanges(batch, routes, "all")) {
      const { tx, route } = change;
      if (tx !== positionOf) {
        positionOf = tx;
        position = positionText(tx.position);
      }
      const event: RowEvent = {
        op: change.op,
        table: route,
        before: change.before,
        after: change.after,
        sourceTimestamp: tx.timestamp,
        position,
        txid: tx.position.gtid,
      };
      events.push(event);
      if (event.after && spatialColumns(route).length > 0) spatial.push({ event, route, row: event.after });
    }
    const written = spatial.length > 0 ? await this.withSpatialReread(events, spatial) : events;
    await this.writer.writeRows(written, this.checkpoint(batch.at(-1)));
    return written.length;
  }

  /**
   * Spatial values of new images read again from the source as the server's bytes. A row gone
   * from the source meanwhile: an INSERT is dropped (its delete follows), an UPDATE keeps only the
   * removal of its old image, so a changed key never leaves a stale row behind.
   */
  private async withSpatialReread(
    events: RowEvent[],
    spatial: readonly { event: RowEvent; route: TableRoute; row: Row }[],
  ): Promise<RowEvent[]> {
    const reread = await rereadSpatial(this.source, spatial);
    const gone = new Set<RowEvent>();
    spatial.forEach(({ event }, i) => {
      const row = reread[i];
      if (row) event.after = row;
      else if (event.op === "update") Object.assign(event, { op: "delete", after: undefined });
      else gone.add(event);
    });
    return gone.size === 0 ? events : events.filter((e) => !gone.has(e));
  }

  async writeDdl(tx: SourceTransaction, routes: Map<string, TableRoute>): Promise<boolean> {
    const ddl = tx.ddl;
    if (!ddl) return false;
    // A DDL record is information for consumers: tables with renamed or selected columns get it too.
    const action = translateDdl(ddl.sql, ddl.database, ddlScope(this.spec, routes, false));
    if (action.kind === "ignore") return false;
    for (const statement of action.statements) this.log?.("forwarding DDL", { sql: statement.sql });
    await this.writer.writeDdl(
      action.statements.map((statement) => ({
        database: statement.target.database,
        table: statement.target.table,
        sql: statement.sql,
        sourceTimestamp: tx.timestamp,
        position: positionText(tx.position),
      })),
      this.checkpoint(tx),
    );
    return true;
  }

  async committedPosition(): Promise<BinlogPosition | undefined> {
    const transactions = this.producer.transactions;
    return transactions ? parseCheckpoint(await transactions.fence()) : undefined;
  }

  private checkpoint(last: SourceTransaction | undefined): string | undefined {
    return this.producer.transactions && last ? checkpointText(last.position) : undefined;
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}
