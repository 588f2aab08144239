import { parseTaskSpec } from "#core/spec/load.ts";
import { defaultChunkLedger, defaultTaskStore } from "#core/store/index.ts";

/** Lambda `full-load-status`: after the copy workers, is every chunk done? Records completion. */
export async function handler(event: {
  spec: unknown;
}): Promise<{ done: boolean; chunks: number; rows: number }> {
  const spec = parseTaskSpec(event.spec, "the execution input");
  const summary = await defaultChunkLedger().summary(spec.name);
  const done = summary.done === summary.chunks;
  if (done) {
    const store = defaultTaskStore();
    const fullLoad = (await store.get(spec.name))?.fullLoad;
    if (fullLoad) {
      // Without incremental migration the task ends with its full load.
      const phase = spec.migrationTypes.includes("incremental") ? undefined : "completed";
      await store.saveOutcome(
        spec.name,
        "fullLoad",
        { ...fullLoad, completedAt: new Date().toISOString(), rows: summary.rowsCopied },
        phase,
      );
    }
  }
  return { done, chunks: summary.chunks, rows: summary.rowsCopied };
}
