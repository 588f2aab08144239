import type { Row, RowChange } from "../model/row.ts";
import { tableKey } from "../spec/table-name.ts";
import { matchesFilter } from "../sql/filter-eval.ts";
import { HEARTBEAT_TABLES, type TableRoute } from "./routes.ts";

/** What the destination must do for one source row change. */
export type DestinationChange =
  | { kind: "upsert"; route: TableRoute; row: Row }
  | { kind: "delete"; route: TableRoute; row: Row };

function keyChanged(route: TableRoute, before: Row, after: Row): boolean {
  return route.key.some((k) => !sameValue(before[k], after[k]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b || String(a) === String(b);
}

/**
 * Applies the task's selection to one row change: unselected tables and heartbeat tables are
 * dropped, DML operations not selected are skipped, and the WHERE filter decides membership on
 * both images, so an UPDATE that leaves the filter becomes a DELETE and one that enters it an
 * insert. A key change becomes a delete of the old key and an upsert of the new row.
 */
export function transformChange(change: RowChange, routes: Map<string, TableRoute>): DestinationChange[] {
  const name = tableKey(change.database, change.table);
  if (HEARTBEAT_TABLES.has(name)) return [];
  const route = routes.get(name);
  if (!route) return [];
  const inFilter = (row: Row | undefined) =>
    row !== undefined && (!route.filter || matchesFilter(route.filter, row));
  switch (change.op) {
    case "insert":
      return route.dml.has("insert") && inFilter(change.after) && change.after
        ? [{ kind: "upsert", route, row: change.after }]
        : [];
    case "delete":
      return route.dml.has("delete") && inFilter(change.before) && change.before
        ? [{ kind: "delete", route, row: change.before }]
        : [];
    case "update": {
      const { before, after } = change;
      if (!route.dml.has("update") || !before || !after) return [];
      const was = inFilter(before);
      const is = inFilter(after);
      if (was && is) {
        return keyChanged(route, before, after)
          ? [
              { kind: "delete", route, row: before },
              { kind: "upsert", route, row: after },
            ]
          : [{ kind: "upsert", route, row: after }];
      }
      if (was) return [{ kind: "delete", route, row: before }];
      if (is) return [{ kind: "upsert", route, row: after }];
      return [];
    }
  }
}
