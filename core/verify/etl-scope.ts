import type { TableCopyPlan } from "../fullload/table-plan.ts";
import type { CompiledEtl } from "../pipeline/etl.ts";
import { quoteIdentifier } from "../sql/identifiers.ts";

/** What verify compares of one table: the plan (perhaps with fewer columns) and why, or nothing and why. */
export type VerifyScope = { plan: TableCopyPlan; note?: string } | { skip: string };

/**
 * The part of a table that the task's ETL script leaves as it was on the source, so that a
 * comparison with the source means something: columns the script writes are left out, and a
 * table whose rows the script can drop, or whose key it writes, is not compared at all.
 */
export function etlVerifyScope(plan: TableCopyPlan, etl: CompiledEtl | undefined): VerifyScope {
  if (!etl || etl.passThrough) return { plan };
  if (etl.canDrop)
    return {
      skip: "not compared: the ETL script can drop rows (e_drop), so a dropped row cannot be told from a missing one",
    };
  const written = new Set(etl.writes.map(quoteIdentifier));
  const keyWritten = plan.sourceKey.filter((k) => written.has(k));
  if (keyWritten.length > 0)
    return { skip: `not compared: the ETL script writes the key column ${keyWritten.join(", ")}` };
  const kept = plan.sourceColumns.map((c) => !written.has(c));
  const keep = <T>(values: T[]) => values.filter((_, i) => kept[i]);
  const left = plan.sourceColumns.filter((c) => written.has(c));
  return {
    plan: {
      ...plan,
      sourceColumns: keep(plan.sourceColumns),
      sourceSelect: keep(plan.sourceSelect),
      destinationColumns: keep(plan.destinationColumns),
    },
    ...(left.length > 0
      ? { note: `the ETL script writes ${left.join(", ")}: those columns were not compared` }
      : {}),
  };
}
