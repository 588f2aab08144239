import { createHash } from "node:crypto";
import type { Connection } from "mysql2/promise";
import { FatalError } from "../errors.ts";
import { loadEtlEngine } from "../pipeline/etl.ts";
import { type TableRoute, taskRoutes, usableRoute } from "../pipeline/table-route.ts";
import { readCatalog } from "../source/catalog-reader.ts";
import { qualified } from "../spec/mapping.ts";
import type { TaskSpec } from "../spec/schema.ts";
import { type Chunk, type ChunkLedger, chunkId } from "../store/chunk-ledger.ts";
import { planRanges } from "./planner.ts";
import { type TableCopyPlan, tableCopyPlan } from "./table-plan.ts";

/** A selected table's route with its copy plan (the SQL the copy runs). */
export interface CopyTable {
  plan: TableCopyPlan;
  route: TableRoute;
}

/** Every selected table with its copy plan, indexed as the ledger's tableIndex. */
export async function copyTables(spec: TaskSpec, source: Connection): Promise<CopyTable[]> {
  const catalog = await readCatalog(source, [...new Set(spec.objects.map((o) => o.database))]);
  await loadEtlEngine(spec);
  // The source evaluates the filters of a full load: they need not evaluate on binlog rows.
  const { routes, missing } = taskRoutes(spec, catalog, { rows: false });
  const [gone] = missing;
  if (gone)
    throw new FatalError(`${qualified(gone.source)} no longer exists on the source: run precheck again`);
  return routes.map((route) => ({ plan: tableCopyPlan(usableRoute(route)), route }));
}

export async function copyPlans(spec: TaskSpec, source: Connection): Promise<TableCopyPlan[]> {
  return (await copyTables(spec, source)).map((t) => t.plan);
}

/** A plan is reused when the selection and chunk size are unchanged (a resumed run). */
export function planId(spec: TaskSpec): string {
  const basis = JSON.stringify({
    objects: spec.objects,
    capitalization: spec.capitalization,
    rows: spec.fullLoad.chunkRows,
    etl: spec.etl,
  });
  return createHash("sha256").update(basis).digest("hex").slice(0, 16);
}

/** Splits every selected table into chunks and writes the ledger. */
export async function planChunks(spec: TaskSpec, source: Connection, ledger: ChunkLedger): Promise<Chunk[]> {
  const plans = await copyPlans(spec, source);
  const chunks: Chunk[] = [];
  const now = new Date().toISOString();
  for (const [tableIndex, plan] of plans.entries()) {
    const ranges = await planRanges(source, plan, spec.fullLoad.chunkRows);
    for (const [index, range] of ranges.entries()) {
      chunks.push({
        task: spec.name,
        id: chunkId(tableIndex, index),
        tableIndex,
        table: plan.sourceTable.replaceAll("`", ""),
        lower: range.lower,
        upper: range.upper,
        estimatedRows: range.rows,
        state: "pending",
        rows: 0,
        attempts: 0,
        updatedAt: now,
      });
    }
  }
  await ledger.replace(spec.name, chunks);
  return chunks;
}
