import type { Connection } from "mysql2/promise";
import type { Row } from "../../model/row.ts";
import { keyChanged, type SelectedChange } from "../../pipeline/changes.ts";
import { rereadSpatial } from "../../pipeline/spatial.ts";
import type { TableRoute } from "../../pipeline/table-route.ts";
import { keyLiteral } from "./applier.ts";

/** What the MySQL destination does for one row: write its full image by key, or delete its key. */
export type DestinationChange = (
  | { kind: "upsert"; route: TableRoute; row: Row }
  | { kind: "delete"; route: TableRoute; row: Row }
) & {
  /** The row's key as a SQL literal (keyLiteral), once compactChanges computed it. */
  key?: string;
};

/**
 * Selected changes as the destination's writes: an insert or update is an upsert of the new image,
 * a delete removes the old key, and an update that moves its row to another key is a delete of the
 * old key and an upsert of the new row.
 */
export function destinationChanges(changes: readonly SelectedChange[]): DestinationChange[] {
  const out: DestinationChange[] = [];
  for (const { route, op, before, after } of changes) {
    if (op === "delete") {
      if (before) out.push({ kind: "delete", route, row: before });
      continue;
    }
    if (!after) continue;
    if (op === "update" && before && keyChanged(route, before, after))
      out.push({ kind: "delete", route, row: before });
    out.push({ kind: "upsert", route, row: after });
  }
  return out;
}

const onlyKey = new WeakMap<TableRoute, boolean>();

/** Whether a table's rows are matched on the destination by its key alone (no other unique key). */
function keyIsTheOnlyUniqueKey(route: TableRoute): boolean {
  let only = onlyKey.get(route);
  if (only === undefined) {
    const key = route.keyNames.join("\0");
    only = route.uniqueKeys.every((unique) => unique.columns.join("\0") === key);
    onlyKey.set(route, only);
  }
  return only;
}

/**
 * The writes of a batch, compacted per row: a batch is applied in one destination transaction, so
 * only each key's last write matters. The rows a batch leaves absent are deleted first, then the
 * rows it leaves present are written with their last image; an insert followed by a delete writes
 * nothing but the delete of a key that may not exist. Row images carry stored values, so rows
 * equal under the key's collation (`a` and `A`) never both end present: the one still present at
 * the end of the batch is the last write of its group, and the deletes of the others run first.
 * Tables with another unique key keep every write in source order: a reordered upsert could meet
 * that key's value still held by a row a later write of the batch moves away.
 */
export function compactChanges(changes: readonly DestinationChange[]): DestinationChange[] {
  const last = new Map<TableRoute, Map<string, DestinationChange>>();
  const ordered: DestinationChange[] = [];
  for (const change of changes) {
    if (!keyIsTheOnlyUniqueKey(change.route)) {
      ordered.push(change);
      continue;
    }
    let rows = last.get(change.route);
    if (!rows) {
      rows = new Map();
      last.set(change.route, rows);
    }
    const key = keyLiteral(change.route, change.row);
    change.key = key;
    // A later write of the key replaces the earlier one and takes its place at the end.
    rows.delete(key);
    rows.set(key, change);
  }
  const deletes: DestinationChange[] = [];
  const upserts: DestinationChange[] = [];
  for (const rows of last.values())
    for (const change of rows.values()) (change.kind === "delete" ? deletes : upserts).push(change);
  return [...deletes, ...upserts, ...ordered];
}

/** Key column types whose values the destination compares as their literal text does (no collation, no -0). */
const EXACT_KEY_TYPE =
  /^(?:tinyint|smallint|mediumint|int|bigint|decimal|date|datetime|timestamp|time|year|binary|varbinary|bit)\b/i;
const partitionable = new WeakMap<TableRoute, boolean>();

/** Whether a table's writes may be spread by key: only its key is unique and equal keys have equal literals. */
function spreadByKey(route: TableRoute): boolean {
  let spread = partitionable.get(route);
  if (spread === undefined) {
    spread =
      keyIsTheOnlyUniqueKey(route) && route.key.every((k) => EXACT_KEY_TYPE.test(route.types.get(k) ?? ""));
    partitionable.set(route, spread);
  }
  return spread;
}

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A compacted batch split into `parts` lists that may be applied at once, each in its own
 * destination transaction: a row's writes all go to the list its key hashes to (so no row ever
 * moves back), and the writes of tables whose rows cannot be told apart by key literal alone (a
 * text key under a collation, another unique key) stay in the first list, in batch order.
 */
export function partitionChanges(
  changes: readonly DestinationChange[],
  parts: number,
): DestinationChange[][] {
  const lists: DestinationChange[][] = Array.from({ length: parts }, () => []);
  for (const change of changes) {
    const part = spreadByKey(change.route)
      ? hash(change.key ?? keyLiteral(change.route, change.row)) % parts
      : 0;
    (lists[part] as DestinationChange[]).push(change);
  }
  return lists;
}

/** Spatial values of upserts read again from the source (see rereadSpatial); an upsert whose row is gone is dropped. */
export async function withSpatialValues(
  source: Connection,
  changes: DestinationChange[],
): Promise<DestinationChange[]> {
  const upserts = changes.filter((c) => c.kind === "upsert");
  const rows = await rereadSpatial(source, upserts);
  const missing = new Set<DestinationChange>();
  upserts.forEach((upsert, i) => {
    const row = rows[i];
    if (row) upsert.row = row;
    else missing.add(upsert);
  });
  return missing.size === 0 ? changes : changes.filter((c) => !missing.has(c));
}
