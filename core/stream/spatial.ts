import type { Connection } from "mysql2/promise";
import { SPATIAL_TYPES } from "../fullload/tuple.ts";
import { sqlValue } from "../sinks/mysql/values.ts";
import { quoteIdentifier, quoteQualified } from "../sql/identifiers.ts";
import type { TableRoute } from "./routes.ts";
import type { DestinationChange } from "./transform.ts";

export function spatialColumns(route: TableRoute): string[] {
  return [...route.types].filter(([, type]) => SPATIAL_TYPES.has(type)).map(([name]) => name);
}

/**
 * Without binlog_row_metadata=FULL, zongji decodes GEOMETRY values into points and loses their
 * type and SRID; then the spatial
 * columns of upserted rows are read again from the source, by key, as the server's own bytes.
 * A row gone from the source meanwhile is dropped from the batch: a later event (its delete, or
 * a new insert of the key) brings the destination to the source's state.
 */
export async function rereadSpatialValues(
  source: Connection,
  changes: DestinationChange[],
): Promise<DestinationChange[]> {
  const byRoute = new Map<TableRoute, DestinationChange[]>();
  for (const change of changes) {
    if (change.kind !== "upsert") continue;
    // With binlog_row_metadata=FULL zongji hands over the bytes; without it, decoded points.
    const decoded = spatialColumns(change.route).some((c) => {
      const value = change.row[c];
      return value !== null && value !== undefined && !Buffer.isBuffer(value);
    });
    if (!decoded) continue;
    byRoute.set(change.route, [...(byRoute.get(change.route) ?? []), change]);
  }
  if (byRoute.size === 0) return changes;
  const missing = new Set<DestinationChange>();
  for (const [route, upserts] of byRoute) {
    const spatial = spatialColumns(route);
    const keyOf = (row: Record<string, unknown>) =>
      route.key.map((k) => sqlValue(row[k], route.types.get(k) ?? "")).join(",");
    const keys = [...new Set(upserts.map((u) => keyOf(u.row)))];
    const table = quoteQualified(route.selected.source.database, route.selected.source.table);
    const [rows] = await source.query({
      sql: `SELECT ${[...route.key, ...spatial].map(quoteIdentifier).join(", ")} FROM ${table} WHERE (${route.key
        .map(quoteIdentifier)
        .join(", ")}) IN (${keys.map((k) => `(${k})`).join(",")})`,
      typeCast: (field: { type: string; buffer(): Buffer | null }, next: () => unknown) =>
        field.type === "GEOMETRY" ? field.buffer() : next(),
    });
    const current = new Map((rows as Record<string, unknown>[]).map((row) => [keyOf(row), row] as const));
    for (const upsert of upserts) {
      const now = current.get(keyOf(upsert.row));
      if (!now) {
        missing.add(upsert);
        continue;
      }
      upsert.row = { ...upsert.row, ...Object.fromEntries(spatial.map((c) => [c, now[c] as Buffer | null])) };
    }
  }
  return changes.filter((c) => !missing.has(c));
}
