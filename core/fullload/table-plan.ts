import type { TableRoute } from "../pipeline/table-route.ts";
import { renderFilter } from "../sql/filter.ts";
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
  /** The key's first column is an integer: chunks can be planned from its MIN and MAX (planner.ts). */
  integerLead: boolean;
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

export function tableCopyPlan(route: TableRoute): TableCopyPlan {
  const { source, destination } = route;
  // What the copy reads and writes: the source's own columns, generated ones left to the destination.
  const copied = route.columns.filter((c) => !c.added && !c.definition.generated);
  // Values are rendered as mode-independent literals: the filter's SQL holds no placeholder.
  const filterSql = route.filter ? renderFilter(route.filter).sql : undefined;
  const tupleColumns: TupleColumn[] = copied.map((c) => ({
    column: quoteIdentifier(c.source),
    dataType: c.definition.dataType,
    nullable: c.definition.nullable,
    charset: c.definition.charset,
  }));
  const destinationColumns = copied.map((c) => quoteIdentifier(c.name));
  const keyType = route.types.get(route.key[0] ?? "") ?? "";
  return {
    sourceTable: quoteQualified(source.database, source.table),
    source: { database: source.database, table: source.table },
    destinationTable: quoteQualified(destination.database, destination.table),
    sourceColumns: copied.map((c) => quoteIdentifier(c.source)),
    sourceSelect: copied.map((c) => exactSelect(quoteIdentifier(c.source), c.definition.dataType)),
    tupleSelect: tupleExpression(tupleColumns),
    lineSelect: loadLineExpression(tupleColumns),
    loadTarget: loadTarget(
      destinationColumns,
      tupleColumns.map((c) => c.dataType),
    ),
    destinationColumns,
    sourceKey: route.key.map(quoteIdentifier),
    integerLead: INTEGER_TYPES.has(keyType),
    destinationKey: route.keyNames.map(quoteIdentifier),
    filterSql,
  };
}
