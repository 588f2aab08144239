import type { CatalogTable } from "../model/catalog.ts";
import type { TableRoute } from "../pipeline/table-route.ts";

/** How a table's columns change on the way: the mapping's renames and selection, and the ETL script. */
export interface ColumnEffects {
  /** Source columns not selected: they do not reach the destination. */
  dropped: string[];
  renamed: { from: string; to: string }[];
  /** Destination-only columns (etl.addColumns), with their type. */
  added: { name: string; type: string }[];
  /** Source columns whose values the script may change. */
  setByScript: string[];
  /** Some path of the script drops rows of this table. */
  rowsMayBeDropped: boolean;
}

/** The column effects of a route against the source table it reads (`found`: the catalog's table, without added columns). */
export function columnEffects(route: TableRoute, found: CatalogTable): ColumnEffects {
  const moved = new Set(route.columns.filter((c) => !c.added).map((c) => c.source));
  const added = route.columns.filter((c) => c.added);
  const addedNames = new Set(added.map((c) => c.name));
  return {
    dropped: found.columns.map((c) => c.name).filter((name) => !moved.has(name)),
    renamed: route.columns
      .filter((c) => !c.added && c.name !== c.source)
      .map((c) => ({ from: c.source, to: c.name })),
    added: added.map((c) => ({ name: c.name, type: c.definition.columnType })),
    setByScript: route.etl?.passThrough ? [] : (route.etl?.writes ?? []).filter((w) => !addedNames.has(w)),
    rowsMayBeDropped: route.etl?.canDrop ?? false,
  };
}

/** One line per effect, for the human table (empty when the columns move as they are). */
export function describeEffects(effects: ColumnEffects): string[] {
  const lines: string[] = [];
  if (effects.renamed.length > 0)
    lines.push(`columns renamed: ${effects.renamed.map((r) => `${r.from} -> ${r.to}`).join(", ")}`);
  if (effects.dropped.length > 0) lines.push(`columns not migrated: ${effects.dropped.join(", ")}`);
  if (effects.added.length > 0)
    lines.push(
      `columns added by etl.addColumns: ${effects.added.map((a) => `${a.name} ${a.type}`).join(", ")}`,
    );
  if (effects.setByScript.length > 0)
    lines.push(`columns the ETL script may set: ${effects.setByScript.join(", ")}`);
  if (effects.rowsMayBeDropped) lines.push("rows: the ETL script may drop some of this table's rows");
  return lines;
}
