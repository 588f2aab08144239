import type { TableCopyPlan } from "../fullload/table-plan.ts";
import { exactSelect } from "../fullload/table-plan.ts";

/**
 * The SQL that fingerprints a row the same way on source and destination: every copied column as
 * the hex of its bytes (FLOAT as its exact double), with a NULL map so NULL and '' differ.
 */
export function rowFingerprint(columns: readonly string[], floatColumns: ReadonlySet<string>): string {
  const values = columns.map(
    (c) => `HEX(CAST(${exactSelect(c, floatColumns.has(c) ? "float" : "")} AS BINARY))`,
  );
  const nulls = columns.map((c) => `ISNULL(${c})`);
  return `CRC32(CONCAT_WS(',', CONCAT(${nulls.join(", ")}), ${values.join(", ")}))`;
}

export interface Side {
  table: string;
  columns: string[];
  key: string[];
  floats: Set<string>;
  filterSql: string | undefined;
}

/** Source and destination views of one table plan for comparison. */
export function sides(plan: TableCopyPlan): { source: Side; destination: Side } {
  const floats = (names: string[]) =>
    new Set(names.filter((_, i) => plan.sourceSelect[i] !== plan.sourceColumns[i]));
  return {
    source: {
      table: plan.sourceTable,
      columns: plan.sourceColumns,
      key: plan.sourceKey,
      floats: floats(plan.sourceColumns),
      filterSql: plan.filterSql,
    },
    destination: {
      table: plan.destinationTable,
      columns: plan.destinationColumns,
      key: plan.destinationKey,
      floats: floats(plan.destinationColumns),
      filterSql: undefined,
    },
  };
}
