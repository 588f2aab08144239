import type { Connection } from "mysql2/promise";
import { planRanges } from "../fullload/planner.ts";
import { copyTables } from "../fullload/service.ts";
import type { KeyRange } from "../model/key-range.ts";
import type { TaskSpec } from "../spec/schema.ts";
import type { Chunk } from "../store/chunk-ledger.ts";
import { etlVerifyScope } from "./etl-scope.ts";
import {
  type RowDifference,
  skippedTable,
  type TableVerdict,
  type VerifyReport,
  verifyReport,
  verifyTable,
} from "./verify.ts";

/**
 * Verifies every selected table: chunk by chunk along the ledger's key ranges when the task has
 * a ledger (the ranges the copy used), otherwise along ranges planned now. Tables an ETL script
 * transforms are compared only as far as the script leaves them as they were (etl-scope.ts).
 */
export async function verifyTask(
  spec: TaskSpec,
  source: Connection,
  destination: Connection,
  ledgerChunks: readonly Chunk[],
): Promise<VerifyReport> {
  const copied = await copyTables(spec, source);
  const differences: RowDifference[] = [];
  const tables: TableVerdict[] = [];
  for (const [index, table] of copied.entries()) {
    const scope = etlVerifyScope(table.plan, table.route.etl);
    if ("skip" in scope) {
      tables.push(skippedTable(table.plan, scope.skip));
      continue;
    }
    const plan = scope.plan;
    const fromLedger: KeyRange[] = ledgerChunks
      .filter((c) => c.tableIndex === index && c.table === plan.sourceTable.replaceAll("`", ""))
      .map((c) => ({ lower: c.lower, upper: c.upper }));
    const ranges =
      fromLedger.length > 0 ? fromLedger : await planRanges(source, plan, spec.fullLoad.chunkRows);
    const verdict = await verifyTable(source, destination, plan, ranges, differences);
    tables.push(scope.note ? { ...verdict, note: scope.note } : verdict);
  }
  return verifyReport(tables, differences);
}
