import { FatalError } from "../errors.ts";
import type { Row, RowChange, SourceTransaction } from "../model/row.ts";
import { tableKey } from "../spec/table-name.ts";
import { matchesFilter } from "../sql/filter-eval.ts";
import { HEARTBEAT_TABLES, type TableRoute } from "./table-route.ts";

/**
 * The row pipeline for binlog changes, in one place: a change of a selected table goes through the
 * task's selection (DML operations, the WHERE filter on both images), then its ETL script; sinks
 * only encode and write what comes out.
 */
export interface SelectedChange {
  route: TableRoute;
  /** The operation as the destination sees it: an UPDATE leaving the filter is a DELETE, one entering it an INSERT. */
  op: "insert" | "update" | "delete";
  /** The old image (deletes, updates). */
  before?: Row | undefined;
  /** The new image (inserts, updates). */
  after?: Row | undefined;
  /** The source transaction the change belongs to. */
  tx: SourceTransaction;
}

/** Which old images of UPDATEs the sink reads: all of them, or only those whose key changed. */
export type BeforeImages = "all" | "key-changes";

/** The selection: the operation a change becomes, or undefined when it does not concern the destination. */
function select(change: RowChange, route: TableRoute): RowChange | undefined {
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

function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b || String(a) === String(b);
}

/** True when an UPDATE moves its row to another key. */
export function keyChanged(route: TableRoute, before: Row, after: Row): boolean {
  return route.key.some((k) => !sameValue(before[k], after[k]));
}

/**
 * The script on a selected change: it sees the operation and the commit time; the new image of an
 * insert or update and the old image of a delete must survive it, or the change is not written.
 * An update's old image is transformed when the sink reads it (a script dropping it leaves the
 * image as read).
 */
function transformed(route: TableRoute, change: RowChange, tx: SourceTransaction, images: BeforeImages) {
  const etl = route.etl;
  if (!etl || etl.passThrough) return change;
  const context = { operation: change.op, commitTimestamp: tx.timestamp };
  if (change.op === "delete") {
    const before = change.before && etl.transform(change.before, context);
    return before ? { ...change, before } : undefined;
  }
  const after = change.after && etl.transform(change.after, context);
  if (!after) return undefined;
  if (change.op === "insert" || !change.before) return { ...change, after };
  const wanted = images === "all" || keyChanged(route, change.before, change.after as Row);
  const before = wanted ? (etl.transform(change.before, context) ?? change.before) : change.before;
  return { ...change, after, before };
}

/** Every change of a batch that reaches the destination, selected and transformed, in commit order. */
export function selectedChanges(
  batch: readonly SourceTransaction[],
  routes: Map<string, TableRoute>,
  images: BeforeImages,
): SelectedChange[] {
  const out: SelectedChange[] = [];
  for (const tx of batch) {
    for (const change of tx.changes) {
      const name = tableKey(change.database, change.table);
      if (HEARTBEAT_TABLES.has(name)) continue;
      const route = routes.get(name);
      if (!route) continue;
      if (route.unusable) throw new FatalError(route.unusable);
      const chosen = select(change, route);
      const result = chosen && transformed(route, chosen, tx, images);
      if (result) out.push({ route, op: result.op, before: result.before, after: result.after, tx });
    }
  }
  return out;
}

/**
 * Snapshot rows of the full load through the same script, as inserts at the full load's start
 * (their selection, the WHERE filter, ran on the source). The rows are the reader's own and never
 * read again, so the script may write into them.
 */
export function snapshotRows(route: TableRoute, rows: Row[], commitTimestamp: number): Row[] {
  const etl = route.etl;
  if (!etl || etl.passThrough) return rows;
  const context = { operation: "insert" as const, commitTimestamp, rowIsDisposable: true };
  const kept: Row[] = [];
  for (const row of rows) {
    const out = etl.transform(row, context);
    if (out) kept.push(out);
  }
  return kept;
}
