import { buildDeferredIndexes } from "#core/schema/indexes.ts";
import { openDestination } from "#core/source/connection.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import { defaultTaskStore } from "#core/store/index.ts";

/**
 * Lambda `build-indexes`: after every chunk is copied, builds the secondary indexes schema
 * migration deferred, then ends a task that has no incremental phase.
 */
export async function handler(event: { spec: unknown }): Promise<{ built: number }> {
  const spec = parseTaskSpec(event.spec, "the execution input");
  const store = defaultTaskStore();
  const deferred = (await store.get(spec.name))?.schema?.deferredIndexes ?? [];
  const destination = spec.destination;
  let built = 0;
  if (deferred.length > 0 && destination.type === "mysql") {
    built = await buildDeferredIndexes(
      () => openDestination(destination),
      deferred,
      spec.fullLoad.parallelism,
    );
  }
  if (!spec.migrationTypes.includes("incremental")) await store.setPhase(spec.name, "completed");
  return { built };
}
