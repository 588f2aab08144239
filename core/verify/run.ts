import type { Connection } from "mysql2/promise";
import { planRanges } from "../fullload/planner.ts";
import type { KeyRange } from "../fullload/range.ts";
import { copyPlans } from "../fullload/service.ts";
import type { TaskSpec } from "../spec/schema.ts";
import type { Chunk } from "../store/chunk-ledger.ts";
import { type RowDifference, type VerifyReport, verifyReport, verifyTable } from "./verify.ts";

/**
 * Verifies every selected table: chunk by chunk along the ledger's key ranges when the task has
 * a ledger (the ranges the copy used), otherwise along ranges planned now.
 */
export async function verifyTask(
  spec: TaskSpec,
  source: Connection,
  destination: Connection,
  ledgerChunks: readonly Chunk[],
): Promise<VerifyReport> {
  const plans = await copyPlans(spec, source);
  const differences: RowDifference[] = [];
  const tables = [];
  for (const [index, plan] of plans.entries()) {
    const fromLedger: KeyRange[] = ledgerChunks
      .filter((c) => c.tableIndex === index && c.table === plan.sourceTable.replaceAll("`", ""))
      .map((c) => ({ lower: c.lower, upper: c.upper }));
    const ranges =
      fromLedger.length > 0 ? fromLedger : await planRanges(source, plan, spec.fullLoad.chunkRows);
    tables.push(await verifyTable(source, destination, plan, ranges, differences));
  }
  return verifyReport(tables, differences);
}
