import { copyPlans, planChunks, planId } from "#core/fullload/service.ts";
import { handlerCall } from "#core/logger.ts";
import { openDestination, openSource, withConnections } from "#core/source/connection.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import type { TaskSpec } from "#core/spec/schema.ts";
import type { Chunk } from "#core/store/chunk-ledger.ts";
import { defaultChunkLedger, defaultTaskStore } from "#core/store/index.ts";

export interface PlanOutput {
  /** One item per copy worker: the Map state's items. */
  workers: { worker: number; workers: number }[];
  chunks: number;
  estimatedRows: number;
  resumed: boolean;
}

/**
 * Lambda `plan-chunks`: splits every selected table into key ranges and writes the chunk ledger.
 * An unfinished plan with the same selection is kept, so `dts run` again copies only what is left.
 */
export function handler(event: { spec: unknown }): Promise<PlanOutput> {
  return handlerCall(
    "plan-chunks",
    event,
    () => plan(event),
    (r) => ({
      chunks: r.chunks,
      estimatedRows: r.estimatedRows,
      resumed: r.resumed,
    }),
  );
}

async function plan(event: { spec: unknown }): Promise<PlanOutput> {
  const spec = parseTaskSpec(event.spec, "the execution input");
  const store = defaultTaskStore();
  const ledger = defaultChunkLedger();
  const task = await store.get(spec.name);
  const id = planId(spec);
  const workers = Array.from({ length: spec.fullLoad.parallelism }, (_, worker) => ({
    worker,
    workers: spec.fullLoad.parallelism,
  }));
  const previous = task?.fullLoad;
  if (previous && previous.planId === id && !previous.completedAt) {
    const summary = await ledger.summary(spec.name);
    if (summary.chunks > 0 && (await copiedRowsStillThere(spec, await ledger.list(spec.name)))) {
      await store.setPhase(spec.name, "full-load");
      return { workers, chunks: summary.chunks, estimatedRows: summary.estimatedRows, resumed: true };
    }
  }
  const chunks = await withConnections([() => openSource(spec.source)], (source) =>
    planChunks(spec, source, ledger),
  );
  const estimatedRows = chunks.reduce((n, c) => n + c.estimatedRows, 0);
  await store.saveOutcome(
    spec.name,
    "fullLoad",
    { planId: id, chunks: chunks.length, estimatedRows, startedAt: new Date().toISOString() },
    "full-load",
  );
  return { workers, chunks: chunks.length, estimatedRows, resumed: false };
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
