import type { Connection } from "mysql2/promise";
import type { Row } from "../../model/row.ts";
import { keyChanged, type SelectedChange } from "../../pipeline/changes.ts";
import { rereadSpatial } from "../../pipeline/spatial.ts";
import type { TableRoute } from "../../pipeline/table-route.ts";

/** What the MySQL destination does for one row: write its full image by key, or delete its key. */
export type DestinationChange =
  | { kind: "upsert"; route: TableRoute; row: Row }
  | { kind: "delete"; route: TableRoute; row: Row };

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
