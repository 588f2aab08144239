import { taskStep } from "#core/api/task-step.ts";

/** Lambda `full-load-status`: after the copy workers, is every chunk done? Records completion once. */
export function handler(event: { spec: unknown }): Promise<{ done: boolean; chunks: number; rows: number }> {
  return taskStep(
    "full-load-status",
    event,
    async ({ spec, store, ledger }) => {
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
