import { handlerCall } from "#core/logger.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import { defaultChunkLedger, defaultTaskStore } from "#core/store/index.ts";

/** Lambda `full-load-status`: after the copy workers, is every chunk done? Records completion. */
export function handler(event: { spec: unknown }): Promise<{ done: boolean; chunks: number; rows: number }> {
  return handlerCall(
    "full-load-status",
    event,
    () => fullLoadStatus(event),
    (r) => r,
  );
}

async function fullLoadStatus(event: {
  spec: unknown;
}): Promise<{ done: boolean; chunks: number; rows: number }> {
  const spec = parseTaskSpec(event.spec, "the execution input");
  const summary = await defaultChunkLedger().summary(spec.name);
  const done = summary.done === summary.chunks;
  if (done) {
    const store = defaultTaskStore();
    const fullLoad = (await store.get(spec.name))?.fullLoad;
    if (fullLoad) {
      await store.saveOutcome(spec.name, "fullLoad", {
        ...fullLoad,
        completedAt: new Date().toISOString(),
        rows: summary.rowsCopied,
      });
    }
  }
  return { done, chunks: summary.chunks, rows: summary.rowsCopied };
}
