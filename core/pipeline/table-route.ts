import { FatalError } from "../errors.ts";
import {
  type Catalog,
  type CatalogColumn,
  type CatalogTable,
  catalogTable,
  rowKey,
} from "../model/catalog.ts";
import { qualified, type SelectedTable, selectedTables } from "../spec/mapping.ts";
import type { DmlOperation, TaskSpec } from "../spec/schema.ts";
import { namesTable, type TableName, tableKey } from "../spec/table-name.ts";
import { type FilterExpr, parseFilter } from "../sql/filter.ts";
import { addedColumns, type CompiledEtl, compileTaskEtl } from "./etl.ts";

/** Heartbeat tables of the product and its peers: their events never reach the destination. */
export const HEARTBEAT_TABLES = new Set([
  tableKey("dts_health_check", "ha_health_check"),
  tableKey("mysql", "ha_health_check"),
  tableKey("__cdc__", "__cdc_heartbeat__"),
]);

/** A column as the task moves it. */
export interface RouteColumn {
  /** Name on the source; an ETL-added column's own name. */
  source: string;
  /** Name on the destination and in messages. */
  name: string;
  definition: CatalogColumn;
  /** Destination-only (etl.addColumns): set by the script, never read from the source. */
  added?: boolean;
}

/**
 * How one selected table moves, decided once per task from the spec and the catalog and used by
 * every phase and sink: names on both sides, the columns, the key, the filter, the DML operations
 * and the compiled ETL script.
 */
export interface TableRoute {
  /** The spec's selection of the table (mapping, filter text, DML operations). */
  selected: SelectedTable;
  source: TableName;
  destination: TableName;
  /** The source table's definition, the ETL-added columns appended. */
  table: CatalogTable;
  /** Selected columns in source order (generated ones too), then the ETL-added ones. */
  columns: RouteColumn[];
  /** Source key columns (primary key, or the NOT NULL unique key used instead). */
  key: string[];
  /** The key as destination names. */
  keyNames: string[];
  /** Unique keys whose columns are all selected, as destination names (dts-avro's pk_uk_info). */
  uniqueKeys: { name: string; columns: string[] }[];
  /** Source columns hash-pk partitions by (the key, or destination.partitionKeys). */
  hashColumns: string[];
  filter: FilterExpr | undefined;
  dml: Set<DmlOperation>;
  /** Source column -> information_schema DATA_TYPE. */
  types: Map<string, string>;
  /** Generated columns are computed by the destination, never written. */
  generated: Set<string>;
  /** The task's ETL script compiled for this table, when the task has one. */
  etl?: CompiledEtl | undefined;
  /**
   * Why rows of this table cannot be moved exactly (it has no usable key), or undefined. Precheck
   * fails such tables; one created later in a whole-database selection stops the task when its
   * first row arrives or its copy starts, with this text.
   */
  unusable?: string | undefined;
}

/** What a task's routes are for: the incremental phase evaluates filters on binlog rows. */
export interface RouteOptions {
  /** Filters must evaluate on binlog rows exactly as the server does (filter-check.ts). */
  rows: boolean;
}

/** The route of one selected table. */
export function tableRoute(
  spec: TaskSpec,
  chosen: SelectedTable,
  found: CatalogTable,
  etl: CompiledEtl | undefined,
  options: RouteOptions,
): TableRoute {
  const added = addedColumns(spec, chosen.source.database, chosen.source.table);
  const table = added.length > 0 ? { ...found, columns: [...found.columns, ...added] } : found;
  const key = rowKey(table)?.columns ?? [];
  const unusable =
    key.length === 0
      ? `${qualified(chosen.source)} has no primary key or NOT NULL unique key, so its rows cannot be matched on the destination: add one (ALTER TABLE ... ADD PRIMARY KEY) or leave the table out`
      : undefined;
  const selected =
    added.length > 0
      ? {
          ...chosen,
          columns: [...chosen.columns, ...added.map((c) => ({ source: c.name, destination: c.name }))],
        }
      : chosen;
  const definitions = new Map(table.columns.map((c) => [c.name, c]));
  const nameOf = new Map(selected.columns.map((c) => [c.source, c.destination]));
  const addedNames = new Set(added.map((c) => c.name));
  const partitionKeys = spec.destination.type === "kafka" ? spec.destination.partitionKeys : undefined;
  const hashed = Object.entries(partitionKeys ?? {}).find(([name]) => namesTable(name, chosen.source))?.[1];
  return {
    selected,
    source: selected.source,
    destination: selected.destination,
    table,
    columns: selected.columns.flatMap((c) => {
      const definition = definitions.get(c.source);
      if (!definition) return [];
      return [
        {
          source: c.source,
          name: c.destination,
          definition,
          ...(addedNames.has(c.source) ? { added: true } : {}),
        },
      ];
    }),
    key,
    keyNames: key.map((k) => nameOf.get(k) ?? k),
    uniqueKeys: table.keys
      .filter((k) => k.unique && k.columns.every((c) => nameOf.has(c)))
      .map((k) => ({ name: k.name, columns: k.columns.map((c) => nameOf.get(c) ?? c) })),
    hashColumns: hashed ?? key,
    filter: selected.where ? parseFilter(selected.where, table.columns, { rows: options.rows }) : undefined,
    dml: new Set(selected.dml),
    types: new Map(table.columns.map((c) => [c.name, c.dataType])),
    generated: new Set(table.columns.filter((c) => c.generated).map((c) => c.name)),
    etl,
    unusable,
  };
}

/** Stops the task when a phase is about to move rows of a table it cannot move exactly. */
export function usableRoute(route: TableRoute): TableRoute {
  if (route.unusable) throw new FatalError(route.unusable);
  return route;
}

/** The task's routes, in selection order; tables the spec names but the source lacks are listed apart. */
export interface TaskRoutes {
  routes: TableRoute[];
  /** Selected tables missing from the catalog (precheck reports them; a phase decides what that means). */
  missing: SelectedTable[];
  /** Routes by source table (tableKey). */
  byName: Map<string, TableRoute>;
}

/** Builds every selected table's route once (load the ETL engine first when the task has a script). */
export function taskRoutes(spec: TaskSpec, catalog: Catalog, options: RouteOptions): TaskRoutes {
  const compiled = compileTaskEtl(spec, catalog);
  const routes: TableRoute[] = [];
  const missing: SelectedTable[] = [];
  for (const chosen of selectedTables(spec, catalog)) {
    const found = catalogTable(catalog, chosen.source.database, chosen.source.table);
    if (!found) {
      missing.push(chosen);
      continue;
    }
    const etl = compiled?.get(tableKey(chosen.source.database, chosen.source.table));
    routes.push(tableRoute(spec, chosen, found, etl, options));
  }
  return {
    routes,
    missing,
    byName: new Map(routes.map((r) => [tableKey(r.source.database, r.source.table), r])),
  };
}

/** The incremental phase's routes by source table (a selected table not on the source has none). */
export function buildRoutes(spec: TaskSpec, catalog: Catalog): Map<string, TableRoute> {
  return taskRoutes(spec, catalog, { rows: true }).byName;
}
