import type { Connection } from "mysql2/promise";
import { SPATIAL_TYPES } from "../model/data-types.ts";
import type { Row } from "../model/row.ts";
import { quoteIdentifier, quoteQualified } from "../sql/identifiers.ts";
import { sqlValue } from "../sql/values.ts";
import type { TableRoute } from "./table-route.ts";

const spatialByRoute = new WeakMap<TableRoute, string[]>();

/** The route's spatial columns (looked up once per route: every upsert of a batch asks). */
export function spatialColumns(route: TableRoute): string[] {
  let columns = spatialByRoute.get(route);
  if (!columns) {
    columns = [...route.types].filter(([, type]) => SPATIAL_TYPES.has(type)).map(([name]) => name);
    spatialByRoute.set(route, columns);
  }
  return columns;
}

/** Spatial values zongji decoded into coordinates (it does for GEOMETRY in row images). */
function decodedSpatial(route: TableRoute, row: Row): boolean {
  const columns = spatialColumns(route);
  return (
    columns.length > 0 &&
    columns.some((c) => {
      const value = row[c];
      return value !== null && value !== undefined && !Buffer.isBuffer(value);
    })
  );
}

/**
 * zongji decodes GEOMETRY values of row images into coordinates, losing their type and SRID, so
 * the spatial columns of new row images are read again from the source, by key, as the server's
 * own bytes. Returns each row with its spatial values replaced, or undefined for a row gone from
 * the source meanwhile: a later event (its delete, or a new insert of the key) brings the
 * destination to the source's state.
 */
export async function rereadSpatial(
  source: Connection,
  items: readonly { route: TableRoute; row: Row }[],
): Promise<(Row | undefined)[]> {
  const result: (Row | undefined)[] = items.map((i) => i.row);
  const byRoute = new Map<TableRoute, number[]>();
  items.forEach((item, index) => {
    if (!decodedSpatial(item.route, item.row)) return;
    byRoute.set(item.route, [...(byRoute.get(item.route) ?? []), index]);
  });
  for (const [route, indexes] of byRoute) {
    const spatial = spatialColumns(route);
    const keyOf = (row: Record<string, unknown>) =>
      route.key.map((k) => sqlValue(row[k], route.types.get(k) ?? "")).join(",");
    const keys = [...new Set(indexes.map((i) => keyOf(items[i]?.row ?? {})))];
    const table = quoteQualified(route.source.database, route.source.table);
    const [rows] = await source.query({
      sql: `SELECT ${[...route.key, ...spatial].map(quoteIdentifier).join(", ")} FROM ${table} WHERE (${route.key
        .map(quoteIdentifier)
        .join(", ")}) IN (${keys.map((k) => `(${k})`).join(",")})`,
      typeCast: (field: { type: string; buffer(): Buffer | null }, next: () => unknown) =>
        field.type === "GEOMETRY" ? field.buffer() : next(),
    });
    const current = new Map((rows as Record<string, unknown>[]).map((row) => [keyOf(row), row] as const));
    for (const index of indexes) {
      const row = items[index]?.row ?? {};
      const now = current.get(keyOf(row));
      result[index] = now
        ? { ...row, ...Object.fromEntries(spatial.map((c) => [c, now[c] as Buffer | null])) }
        : undefined;
    }
  }
  return result;
}
