import type { Catalog, CatalogTable } from "../model/catalog.ts";
import type { DmlOperation, TableSelection, TaskSpec } from "./schema.ts";

/** A source table as the task migrates it: destination names, columns, filter and DML operations. */
export interface SelectedTable {
  source: { database: string; table: string };
  destination: { database: string; table: string };
  /** Source column -> destination column, in source order. */
  columns: { source: string; destination: string }[];
  where: string | undefined;
  dml: DmlOperation[];
  /** True when the table was named in the spec (not only reached through a whole-database selection). */
  explicit: boolean;
}

const ALL_DML: DmlOperation[] = ["insert", "update", "delete"];

/** Applies the capitalization policy to a name that the spec does not map explicitly. */
export function capitalize(name: string, policy: TaskSpec["capitalization"]): string {
  if (policy === "upper") return name.toUpperCase();
  if (policy === "lower") return name.toLowerCase();
  // "dts-default" keeps the source's capitalization for MySQL and Kafka destinations, as "source" does.
  return name;
}

function columnSelections(selection: TableSelection | undefined, table: CatalogTable | undefined) {
  if (selection?.columns) {
    return selection.columns.map((c) => (typeof c === "string" ? { name: c, as: undefined } : c));
  }
  return (table?.columns ?? []).map((c) => ({ name: c.name, as: undefined as string | undefined }));
}

/**
 * Resolves the spec's object selection against the source catalog. Tables named in the spec but
 * missing from the catalog are still returned (precheck reports them), with the columns the spec names.
 */
export function selectedTables(spec: TaskSpec, catalog: Catalog): SelectedTable[] {
  const out: SelectedTable[] = [];
  for (const object of spec.objects) {
    const destinationDatabase = object.as ?? capitalize(object.database, spec.capitalization);
    const tablesInDb = catalog.get(object.database) ?? new Map<string, CatalogTable>();
    const selections: (TableSelection | undefined)[] =
      object.tables ?? [...tablesInDb.keys()].sort().map(() => undefined);
    const names = object.tables ? object.tables.map((t) => t.name) : [...tablesInDb.keys()].sort();
    names.forEach((tableName, index) => {
      const selection = selections[index];
      const table = tablesInDb.get(tableName);
      out.push({
        source: { database: object.database, table: tableName },
        destination: {
          database: destinationDatabase,
          table: selection?.as ?? capitalize(tableName, spec.capitalization),
        },
        columns: columnSelections(selection, table).map((c) => ({
          source: c.name,
          destination: c.as ?? capitalize(c.name, spec.capitalization),
        })),
        where: selection?.where,
        dml: selection?.dml ?? object.dml ?? ALL_DML,
        explicit: selection !== undefined,
      });
    });
  }
  return out;
}

/** True when any table or column is renamed in the spec (the product's 1,000-table limit applies). */
export function renamesTablesOrColumns(spec: TaskSpec): boolean {
  return spec.objects.some((o) =>
    (o.tables ?? []).some(
      (t) => t.as !== undefined || (t.columns ?? []).some((c) => typeof c !== "string" && c.as !== undefined),
    ),
  );
}

export function qualified(name: { database: string; table: string }): string {
  return `${name.database}.${name.table}`;
}
