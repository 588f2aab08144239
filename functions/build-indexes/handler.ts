import { indexesOutput } from "#core/api/step-outputs.ts";
import { taskStep } from "#core/api/task-step.ts";
import { buildDeferredIndexes } from "#core/schema/indexes.ts";
import { openDestination } from "#core/source/connection.ts";
import type { IndexesOutcome } from "#core/store/task-store.ts";

/** Return this long before Lambda's time runs out; a build still running is left to the server. */
const SAFETY_MS = 60_000;

/**
 * Lambda `build-indexes`: after every chunk is copied, builds the secondary indexes schema
 * migration deferred, then ends a task that has no incremental phase. An index on a large table
 * can take longer than a Lambda may run: the build is then left running on the destination and
 * the state machine calls again (`done: false`) until every table has its indexes. The task
 * record shows the build (`dts status`: started, tables still building, done); the state gets
 * only how many are left.
 */
export function handler(
  event: { spec: unknown },
  context?: { getRemainingTimeInMillis(): number },
): Promise<{ built: number; done: boolean; pending: number }> {
  return taskStep(
    "build-indexes",
    event,
    async ({ spec, store }) => {
      await store.setPhase(spec.name, "building-indexes");
      const task = await store.get(spec.name);
      const deferred = task?.schema?.deferredIndexes ?? [];
      const destination = spec.destination;
      const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - SAFETY_MS : undefined;
      let outcome = { built: 0, pending: [] as string[] };
      // A resumed task whose indexes were built has nothing to do here.
      if (deferred.length > 0 && destination.type === "mysql" && !task?.indexes?.completedAt) {
        // A call after a cut-short one continues that build.
        const earlier = task?.indexes;
        const record: IndexesOutcome = {
          tables: deferred.length,
          startedAt: earlier?.startedAt ?? new Date().toISOString(),
          pending: earlier?.pending ?? deferred.map((d) => d.table),
        };
        if (!earlier) await store.saveOutcome(spec.name, "indexes", record);
        outcome = await buildDeferredIndexes(
          () => openDestination(destination),
          deferred,
          spec.fullLoad.parallelism,
          deadline,
        );
        await store.saveOutcome(spec.name, "indexes", {
          ...record,
          pending: outcome.pending,
          ...(outcome.pending.length === 0 ? { completedAt: new Date().toISOString() } : {}),
        });
      }
      const output = indexesOutput(outcome);
      if (output.done && !spec.migrationTypes.includes("incremental"))
        await store.setPhase(spec.name, "completed");
      return output;
    },
    (r) => r,
  );
}
