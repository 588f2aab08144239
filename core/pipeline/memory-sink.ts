import { type Row, type RowValue, type SourceTransaction, setField } from "../model/row.ts";
import type { TaskSpec } from "../spec/schema.ts";
import { type TableName, tableKey } from "../spec/table-name.ts";
import { keyChanged, selectedChanges } from "./changes.ts";
import { type DestinationDdl, ddlScope, translateDdl } from "./ddl.ts";
import type { ChangeSink } from "./sink.ts";
import type { TableRoute } from "./table-route.ts";

/** One destination table held in memory: rows by key, under destination column names. */
export interface MemoryTable {
  name: TableName;
  rows: Map<string, Row>;
}

/** A key value as text: equal values of a key column (1 and "1") are one key, bytes by their hex. */
function keyText(value: RowValue | undefined): string {
  if (value === null || value === undefined) return "null";
  if (Buffer.isBuffer(value)) return `x${value.toString("hex")}`;
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/**
 * A destination in memory, for tests of what writes through the ChangeSink port (the tailer, the
 * sink contract in test/support/sink-contract.ts): the same row pipeline as the real sinks
 * (selection, then ETL), each change applied as the MySQL destination applies it (an insert or
 * update writes the full new image by key, a key-changing update first removes the old key, a
 * delete removes its key). A batch is applied whole or not at all. DDL is translated as the real
 * sinks translate it and kept as the statements the destination would receive; it does not change
 * the rows.
 */
export class MemoryChangeSink implements ChangeSink {
  private readonly data = new Map<string, MemoryTable>();
  /** The DDL statements the destination received, in order. */
  readonly ddl: DestinationDdl[] = [];
  closed = false;

  /**
   * `strictColumns`: stop on DDL of tables whose columns are renamed or selected, as the MySQL
   * destination does (the default); false forwards it, as Kafka does.
   */
  constructor(
    private readonly spec: TaskSpec,
    private readonly options: { strictColumns?: boolean } = {},
  ) {}

  async writeTransactions(
    batch: readonly SourceTransaction[],
    routes: Map<string, TableRoute>,
  ): Promise<number> {
    const changes = selectedChanges(batch, routes, "key-changes");
    for (const { route, op, before, after } of changes) {
      if (before && (op === "delete" || (after && keyChanged(route, before, after))))
        this.table(route).rows.delete(this.keyOf(route, before));
      if (after) this.table(route).rows.set(this.keyOf(route, after), this.image(route, after));
    }
    return changes.length;
  }

  async writeDdl(tx: SourceTransaction, routes: Map<string, TableRoute>): Promise<boolean> {
    const ddl = tx.ddl;
    if (!ddl) return false;
    const scope = ddlScope(this.spec, routes, this.options.strictColumns ?? true);
    const action = translateDdl(ddl.sql, ddl.database, scope);
    if (action.kind === "ignore") return false;
    this.ddl.push(...action.statements);
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The destination's tables that were ever written. */
  tables(): MemoryTable[] {
    return [...this.data.values()];
  }

  /** The rows of one destination table (none when it was never written). */
  rows(database: string, table: string): Row[] {
    return [...(this.data.get(tableKey(database, table))?.rows.values() ?? [])];
  }

  private table(route: TableRoute): MemoryTable {
    const { database, table } = route.destination;
    const name = tableKey(database, table);
    let found = this.data.get(name);
    if (!found) {
      found = { name: { database, table }, rows: new Map() };
      this.data.set(name, found);
    }
    return found;
  }

  private keyOf(route: TableRoute, row: Row): string {
    return JSON.stringify(route.key.map((k) => keyText(row[k])));
  }

  /** The image under destination names, without generated columns (the destination computes them). */
  private image(route: TableRoute, row: Row): Row {
    const out: Row = {};
    for (const column of route.columns) {
      if (route.generated.has(column.source) || !Object.hasOwn(row, column.source)) continue;
      const value = row[column.source] as RowValue;
      setField(out, column.name, Buffer.isBuffer(value) ? Buffer.from(value) : value);
    }
    return out;
  }
}
