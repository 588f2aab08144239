import { FatalError } from "../errors.ts";
import type { CatalogTable } from "../model/catalog.ts";
import { rowKey } from "../model/catalog.ts";
import type { SelectedTable } from "../spec/mapping.ts";
import { parseFilter, renderFilter } from "../sql/filter.ts";
import { quoteIdentifier, quoteQualified } from "../sql/identifiers.ts";
import { loadLineExpression, loadTarget } from "./load-data.ts";
import { type TupleColumn, tupleExpression } from "./tuple.ts";

const INTEGER_TYPES = new Set(["tinyint", "smallint", "mediumint", "int", "integer", "bigint"]);

/** How one selected table is read and written: quoted names, key columns on both sides, filter SQL. */
export interface TableCopyPlan {
  /** `db`.`table` on the source. */
  sourceTable: string;
  /** The source table's names, unquoted. */
  source: { database: string; table: string };
  /** `db`.`table` on the destination. */
  destinationTable: string;
  sourceColumns: string[];
  /** What the copy selects per column: the column, or an exact rendering of it (FLOAT as double). */
  sourceSelect: string[];
  destinationColumns: string[];
  sourceKey: string[];
  destinationKey: string[];
  /** The key is one integer column: chunks can be planned from its MIN and MAX (planner.ts). */
  integerKey: boolean;
  /** The expression that renders a row as a SQL tuple on the source (see tuple.ts). */
  tupleSelect: string;
  /** The expression that renders a row as a LOAD DATA line on the source (see load-data.ts). */
  lineSelect: string;
  /** LOAD DATA's column list (and SET clause) for the destination columns. */
  loadTarget: string;
  /** Rendered WHERE filter (values inlined safely), or undefined. */
  filterSql: string | undefined;
}

/**
 * MariaDB prints FLOAT with 6 significant digits (16777216 comes out as 16777200); as a double
 * (`+ 0E0`, exact for every float) the text round-trips to the same FLOAT.
 */
export function exactSelect(column: string, dataType: string): string {
  return dataType === "float" ? `(${column} + 0E0)` : column;
}

export function tableCopyPlan(selected: SelectedTable, table: CatalogTable): TableCopyPlan {
  const key = rowKey(table);
  if (!key) {
    throw new FatalError(
      `${selected.source.database}.${selected.source.table} has no primary key or NOT NULL unique key: add one or leave the table out`,
    );
  }
  const destinationOf = new Map(selected.columns.map((c) => [c.source, c.destination]));
  const missingKey = key.columns.filter((c) => !destinationOf.has(c));
  if (missingKey.length > 0) {
    throw new FatalError(
      `the key columns ${missingKey.join(", ")} of ${table.database}.${table.name} are not selected`,
    );
  }
  const types = new Map(table.columns.map((c) => [c.name, c.dataType]));
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const generated = new Set(table.columns.filter((c) => c.generated).map((c) => c.name));
  const copied = selected.columns.filter((c) => !generated.has(c.source));
  // Values are rendered as mode-independent literals: the filter's SQL holds no placeholder.
  // The server evaluates the filter here: only the incremental phase needs it evaluable on rows.
  const filterSql = selected.where
    ? renderFilter(parseFilter(selected.where, table.columns, { rows: false })).sql
    : undefined;
  const tupleColumns: TupleColumn[] = copied.map((c) => ({
    column: quoteIdentifier(c.source),
    dataType: types.get(c.source) ?? "",
    nullable: byName.get(c.source)?.nullable ?? true,
    charset: byName.get(c.source)?.charset,
  }));
  const destinationColumns = copied.map((c) => quoteIdentifier(c.destination));
  return {
    sourceTable: quoteQualified(selected.source.database, selected.source.table),
    source: { database: selected.source.database, table: selected.source.table },
    destinationTable: quoteQualified(selected.destination.database, selected.destination.table),
    sourceColumns: copied.map((c) => quoteIdentifier(c.source)),
    sourceSelect: copied.map((c) => exactSelect(quoteIdentifier(c.source), types.get(c.source) ?? "")),
    tupleSelect: tupleExpression(tupleColumns),
    lineSelect: loadLineExpression(tupleColumns),
    loadTarget: loadTarget(
      destinationColumns,
      tupleColumns.map((c) => c.dataType),
    ),
    destinationColumns,
    sourceKey: key.columns.map(quoteIdentifier),
    integerKey: key.columns.length === 1 && INTEGER_TYPES.has(types.get(key.columns[0] ?? "") ?? ""),
    destinationKey: key.columns.map((c) => quoteIdentifier(destinationOf.get(c) ?? c)),
    filterSql,
  };
}
