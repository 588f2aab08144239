import { taskStep } from "#core/api/task-step.ts";
import { ChunkFailedError } from "#core/fullload/chunk-retry.ts";

/**
 * Lambda `full-load-status`: after the copy workers, is every chunk done? Records completion once.
 * A chunk a worker marked failed (a fatal error, or its attempts ran out) stops the task here, with
 * the chunk's table, range, attempts and last error: the Map's workers return without an error,
 * so the loop would otherwise wait for a chunk no worker takes.
 */
export function handler(event: { spec: unknown }): Promise<{ done: boolean; chunks: number; rows: number }> {
  return taskStep(
    "full-load-status",
    event,
    async ({ spec, store, ledger }) => {
      const [failed, ...more] = await ledger.failed(spec.name);
      if (failed) throw new ChunkFailedError(failed, more.length);
      const summary = await ledger.summary(spec.name);
      const done = summary.done === summary.chunks;
      const fullLoad = done ? (await store.get(spec.name))?.fullLoad : undefined;
      // A resumed task whose load had finished keeps the time it finished.
      if (fullLoad && !fullLoad.completedAt) {
        await store.saveOutcome(spec.name, "fullLoad", {
          ...fullLoad,
          completedAt: new Date().toISOString(),
          rows: summary.rowsCopied,
        });
      }
      return { done, chunks: summary.chunks, rows: summary.rowsCopied };
    },
    (r) => r,
  );
}
