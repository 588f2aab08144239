import { taskStep } from "#core/api/task-step.ts";
import { copyPlans, planChunks, planId } from "#core/fullload/service.ts";
import { openDestination, openSource, withConnections } from "#core/source/connection.ts";
import type { TaskSpec } from "#core/spec/schema.ts";
import type { Chunk } from "#core/store/chunk-ledger.ts";
import { planRule } from "#core/task/lifecycle.ts";

export interface PlanOutput {
  /** One item per copy worker: the Map state's items. */
  workers: { worker: number; workers: number }[];
  chunks: number;
  estimatedRows: number;
  resumed: boolean;
}

/**
 * Lambda `plan-chunks`: splits every selected table into key ranges and writes the chunk ledger.
 * A task's plan is kept, so a resumed task copies only what is left (nothing, once it is done).
 */
export function handler(event: { spec: unknown }): Promise<PlanOutput> {
  return taskStep(
    "plan-chunks",
    event,
    async ({ spec, store, ledger }) => {
      const task = await store.get(spec.name);
      const workers = Array.from({ length: spec.fullLoad.parallelism }, (_, worker) => ({
        worker,
        workers: spec.fullLoad.parallelism,
      }));
      // A finished load is not planned again, an unfinished one goes on (core/task/lifecycle.ts).
      const rule = planRule(task);
      if (rule !== "new") {
        const summary = await ledger.summary(spec.name);
        const kept =
          rule === "done" ||
          (summary.chunks > 0 && (await copiedRowsStillThere(spec, await ledger.list(spec.name))));
        if (kept) {
          await store.setPhase(spec.name, "full-load");
          return { workers, chunks: summary.chunks, estimatedRows: summary.estimatedRows, resumed: true };
        }
      }
      const chunks = await withConnections([() => openSource(spec.source)], (source) =>
        planChunks(spec, source, ledger),
      );
      const estimatedRows = chunks.reduce((n, c) => n + c.estimatedRows, 0);
      const outcome = {
        planId: planId(spec),
        chunks: chunks.length,
        estimatedRows,
        startedAt: new Date().toISOString(),
      };
      await store.saveOutcome(spec.name, "fullLoad", outcome, "full-load");
      return { workers, chunks: chunks.length, estimatedRows, resumed: false };
    },
    (r) => ({ chunks: r.chunks, estimatedRows: r.estimatedRows, resumed: r.resumed }),
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
