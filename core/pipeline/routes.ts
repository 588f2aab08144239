import { type Catalog, type CatalogTable, catalogTable, rowKey } from "../model/catalog.ts";
import { type SelectedTable, selectedTables } from "../spec/mapping.ts";
import type { DmlOperation, TaskSpec } from "../spec/schema.ts";
import { tableKey } from "../spec/table-name.ts";
import { type FilterExpr, parseFilter } from "../sql/filter.ts";
import { addedColumns, type CompiledEtl, compileTaskEtl, withAddedColumns } from "./etl.ts";

/** Heartbeat tables of the product and its peers: their events never reach the destination. */
export const HEARTBEAT_TABLES = new Set([
  tableKey("dts_health_check", "ha_health_check"),
  tableKey("mysql", "ha_health_check"),
  tableKey("__cdc__", "__cdc_heartbeat__"),
]);

/** How changes of one source table reach the destination. */
export interface TableRoute {
  selected: SelectedTable;
  /** Source key columns (primary key or NOT NULL unique key). */
  key: string[];
  filter: FilterExpr | undefined;
  dml: Set<DmlOperation>;
  /** Source column -> information_schema DATA_TYPE, for rendering values. */
  types: Map<string, string>;
  /** Generated columns are computed by the destination, never written. */
  generated: Set<string>;
  /** The source table's definition when the routes were built (ETL-added columns appended). */
  table: CatalogTable;
  /** The task's ETL script compiled for this table, when the task has one. */
  etl?: CompiledEtl | undefined;
}

/** Routes for every selected table, keyed by source database.table. */
export function buildRoutes(spec: TaskSpec, catalog: Catalog): Map<string, TableRoute> {
  const routes = new Map<string, TableRoute>();
  const etl = compileTaskEtl(spec, catalog);
  for (const chosen of selectedTables(spec, catalog)) {
    const found = catalogTable(catalog, chosen.source.database, chosen.source.table);
    if (!found) continue;
    const selected = withAddedColumns(spec, chosen);
    const added = addedColumns(spec, chosen.source.database, chosen.source.table);
    const table = added.length > 0 ? { ...found, columns: [...found.columns, ...added] } : found;
    const key = rowKey(table);
    if (!key) continue;
    routes.set(tableKey(selected.source.database, selected.source.table), {
      selected,
      key: key.columns,
      filter: selected.where ? parseFilter(selected.where, table.columns) : undefined,
      dml: new Set(selected.dml),
      types: new Map(table.columns.map((c) => [c.name, c.dataType])),
      generated: new Set(table.columns.filter((c) => c.generated).map((c) => c.name)),
      table,
      etl: etl?.get(tableKey(chosen.source.database, chosen.source.table)),
    });
  }
  return routes;
}
