import { taskStep } from "#core/api/task-step.ts";
import { copyPlans, planChunks, planId } from "#core/fullload/service.ts";
import { openDestination, openSource, withConnections } from "#core/source/connection.ts";
import type { TaskSpec } from "#core/spec/schema.ts";
import type { Chunk } from "#core/store/chunk-ledger.ts";
import { planRule } from "#core/task/lifecycle.ts";

export interface PlanOutput {
  /** One item per copy worker: the Map state's items. */
  workers: { worker: number; workers: number }[];
  /** Every table is planned; false: PlanChunks runs again and goes on from the ledger's plan cursor. */
  done: boolean;
  /** Chunks planned so far, and the rows they hold by the estimates. */
  chunks: number;
  estimatedRows: number;
  resumed: boolean;
}

/** Time kept back from the Lambda's limit: the last batch is saved and the answer returned in it. */
export const PLAN_MARGIN_MS = 60_000;

/**
 * Lambda `plan-chunks`: splits the selected tables into key ranges and appends them to the chunk
 * ledger as they are found, until every table is planned or the invocation nears its limit; then
 * it returns done: false and the state machine calls it again, which goes on from the plan cursor
 * in the ledger. A task's plan is kept, so a resumed task copies only what is left.
 */
export function handler(
  event: { spec: unknown },
  context?: { getRemainingTimeInMillis(): number },
): Promise<PlanOutput> {
  return taskStep(
    "plan-chunks",
    event,
    async ({ spec, store, ledger }) => {
      const task = await store.get(spec.name);
      const workers = Array.from({ length: spec.fullLoad.parallelism }, (_, worker) => ({
        worker,
        workers: spec.fullLoad.parallelism,
      }));
      const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - PLAN_MARGIN_MS : undefined;
      const answer = async (done: boolean, resumed: boolean) => {
        const summary = await ledger.summary(spec.name);
        return { workers, done, chunks: summary.chunks, estimatedRows: summary.estimatedRows, resumed };
      };
      // A finished load is not planned again, an unfinished one goes on (core/task/lifecycle.ts).
      const rule = planRule(task);
      if (rule === "done") return answer(true, true);
      let from = rule === "resume" ? await ledger.planCursor(spec.name) : undefined;
      if (rule === "resume" && (from?.done || !from)) {
        // Planned whole (by this version or one before plan cursors): kept while its copied rows are there.
        const summary = await ledger.summary(spec.name);
        const kept = summary.chunks > 0 && (await copiedRowsStillThere(spec, await ledger.list(spec.name)));
        if (kept) {
          await store.setPhase(spec.name, "full-load");
          return answer(true, true);
        }
        from = undefined;
      }
      const resumed = from !== undefined && from.planId === planId(spec);
      if (resumed) await store.setPhase(spec.name, "full-load");
      else {
        const outcome = {
          planId: planId(spec),
          chunks: 0,
          estimatedRows: 0,
          startedAt: new Date().toISOString(),
        };
        await store.saveOutcome(spec.name, "fullLoad", outcome, "full-load");
      }
      const progress = await withConnections([() => openSource(spec.source)], (source) =>
        planChunks(spec, source, ledger, resumed ? from : undefined, { deadline }),
      );
      const result = await answer(progress.cursor.done, resumed);
      if (progress.cursor.done) {
        const outcome = (await store.get(spec.name))?.fullLoad;
        await store.saveOutcome(
          spec.name,
          "fullLoad",
          {
            ...outcome,
            planId: planId(spec),
            chunks: result.chunks,
            estimatedRows: result.estimatedRows,
            startedAt: outcome?.startedAt ?? new Date().toISOString(),
          },
          "full-load",
        );
      }
      return result;
    },
    (r) => ({ done: r.done, chunks: r.chunks, estimatedRows: r.estimatedRows, resumed: r.resumed }),
  );
}

/**
 * A resumed plan is only valid while the rows its finished chunks copied are still in the
 * destination: a table emptied or dropped since (by hand, or by schema migration) means the
 * full load starts over.
 */
async function copiedRowsStillThere(spec: TaskSpec, chunks: Chunk[]): Promise<boolean> {
  const destination = spec.destination;
  // Messages already in a Kafka topic stay there: a resumed plan is always valid.
  if (destination.type !== "mysql") return true;
  const copied = new Set(chunks.filter((c) => c.state === "done" && c.rows > 0).map((c) => c.tableIndex));
  if (copied.size === 0) return true;
  return withConnections(
    [() => openSource(spec.source), () => openDestination(destination)],
    async (source, target) => {
      const plans = await copyPlans(spec, source);
      for (const index of copied) {
        const plan = plans[index];
        if (!plan) return false;
        const [rows] = await target.query(`SELECT 1 FROM ${plan.destinationTable} LIMIT 1`).catch(() => [[]]);
        if ((rows as unknown[]).length === 0) return false;
      }
      return true;
    },
  );
}
