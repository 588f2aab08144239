import { createHash } from "node:crypto";
import type { Connection } from "mysql2/promise";
import { FatalError } from "../errors.ts";
import { loadEtlEngine } from "../pipeline/etl.ts";
import { type TableRoute, taskRoutes, usableRoute } from "../pipeline/table-route.ts";
import { readCatalog } from "../source/catalog-reader.ts";
import { qualified } from "../spec/mapping.ts";
import type { TaskSpec } from "../spec/schema.ts";
import { type Chunk, type ChunkLedger, chunkId, type PlanCursor } from "../store/chunk-ledger.ts";
import { rowsPerChunk, tableStats } from "./chunk-size.ts";
import { type PlannedRange, tableRanges } from "./planner.ts";
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

/**
 * Identifies a plan: the selection it splits. Chunk sizes are not part of it, so a resumed load
 * run with other sizes keeps the chunks already planned and copied; the new sizes apply to what is
 * planned from then on.
 */
export function planId(spec: TaskSpec): string {
  const basis = JSON.stringify({ objects: spec.objects, capitalization: spec.capitalization, etl: spec.etl });
  return createHash("sha256").update(basis).digest("hex").slice(0, 16);
}

/** Where a new plan starts: the first table, from its start. */
export function firstCursor(spec: TaskSpec): PlanCursor {
  return { planId: planId(spec), table: 0, chunk: 0, lower: null, done: false };
}

export interface PlanOptions {
  /** Epoch ms after which no more boundaries are looked for (a Lambda's remaining time less a margin). */
  deadline?: number;
  now?: () => number;
  /** Chunks saved at once; a stopped planner loses at most one batch's work (default 250). */
  batchChunks?: number;
  /** A batch is saved after this long even when smaller (ms, default 20 s). */
  batchMs?: number;
}

/** What one call of planChunks got to. */
export interface PlanProgress {
  cursor: PlanCursor;
  /** Chunks this call added to the ledger. */
  chunks: number;
  estimatedRows: number;
}

/**
 * Plans the selected tables from `cursor` on, appending each batch of chunks to the ledger as it
 * is found with the cursor after it, until every table is planned (cursor.done) or `deadline`
 * passes. A later call with the cursor it returned (or the ledger's planCursor) goes on from there;
 * a call without one starts a new plan (the ledger is emptied first).
 */
export async function planChunks(
  spec: TaskSpec,
  source: Connection,
  ledger: ChunkLedger,
  from?: PlanCursor,
  options: PlanOptions = {},
): Promise<PlanProgress> {
  // A new plan: whatever the ledger held (an earlier plan of this task) goes first.
  if (!from) await ledger.replace(spec.name, []);
  const now = options.now ?? Date.now;
  const batchChunks = options.batchChunks ?? 250;
  const batchMs = options.batchMs ?? 20_000;
  const plans = await copyPlans(spec, source);
  const sizes = { chunkRows: spec.fullLoad.chunkRows, chunkBytes: spec.fullLoad.chunkBytes };
  let cursor = { ...(from ?? firstCursor(spec)) };
  const progress = { chunks: 0, estimatedRows: 0 };
  const late = () => options.deadline !== undefined && now() >= options.deadline;
  while (cursor.table < plans.length) {
    // Every call saves something before it stops, so calls near the deadline still make progress.
    if (late() && progress.chunks > 0) return { cursor, ...progress };
    const plan = plans[cursor.table] as TableCopyPlan;
    const stats = await tableStats(source, plan);
    const rows = await rowsPerChunk(source, plan, sizes, stats);
    let batch: Chunk[] = [];
    let since = now();
    const save = async (next: PlanCursor) => {
      await ledger.append(spec.name, batch, next);
      progress.chunks += batch.length;
      progress.estimatedRows += batch.reduce((n, c) => n + c.estimatedRows, 0);
      cursor = next;
      batch = [];
      since = now();
    };
    for await (const range of tableRanges(source, plan, rows, cursor.lower, stats)) {
      batch.push(chunkOf(spec.name, cursor.table, cursor.chunk + batch.length, plan, range));
      const next = range.upper
        ? { ...cursor, chunk: cursor.chunk + batch.length, lower: range.upper }
        : {
            ...cursor,
            table: cursor.table + 1,
            chunk: 0,
            lower: null,
            done: cursor.table + 1 >= plans.length,
          };
      if (!range.upper || batch.length >= batchChunks || now() - since >= batchMs || late()) await save(next);
      if (late() && !cursor.done) return { cursor, ...progress };
    }
  }
  if (!cursor.done) {
    // No tables selected (or the last one was planned by an earlier call): the plan is complete.
    const last = { ...cursor, done: true };
    await ledger.append(spec.name, [], last);
    cursor = last;
  }
  return { cursor, ...progress };
}

function chunkOf(
  task: string,
  tableIndex: number,
  index: number,
  plan: TableCopyPlan,
  range: PlannedRange,
): Chunk {
  return {
    task,
    id: chunkId(tableIndex, index),
    tableIndex,
    table: plan.sourceTable.replaceAll("`", ""),
    lower: range.lower,
    upper: range.upper,
    estimatedRows: range.rows,
    state: "pending",
    rows: 0,
    attempts: 0,
    updatedAt: new Date().toISOString(),
  };
}
