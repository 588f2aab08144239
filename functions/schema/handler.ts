import { planId } from "#core/fullload/service.ts";
import { handlerCall } from "#core/logger.ts";
import { publishSchema } from "#core/schema/kafka-ddl.ts";
import { migrateSchema } from "#core/schema/migrate.ts";
import { withKafkaWriter } from "#core/sinks/open.ts";
import { openDestination, openSource, withConnections } from "#core/source/connection.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import { defaultTaskStore } from "#core/store/index.ts";

/** Lambda `schema`: creates the destination databases, tables and views as mapped. */
export function handler(event: { spec: unknown }): Promise<{ tables: number; notes: string[] }> {
  return handlerCall(
    "schema",
    event,
    () => migrate(event),
    (r) => ({ tables: r.tables }),
  );
}

async function migrate(event: { spec: unknown }): Promise<{ tables: number; notes: string[] }> {
  const spec = parseTaskSpec(event.spec, "the execution input");
  const destination = spec.destination;
  const store = defaultTaskStore();
  await store.setPhase(spec.name, "schema");
  const task = await store.get(spec.name);
  if (destination.type === "kafka") {
    const outcome = await withConnections([() => openSource(spec.source)], (source) =>
      withKafkaWriter(spec, task, (writer) => publishSchema(spec, source, writer)),
    );
    await store.saveOutcome(spec.name, "schema", outcome);
    return { tables: 0, notes: outcome.notes };
  }
  const owned = task?.schema?.createdTables ?? [];
  // Resuming an unfinished full load keeps its tables; a new full load recreates the ones this task made.
  const resuming =
    task?.fullLoad !== undefined && !task.fullLoad.completedAt && task.fullLoad.planId === planId(spec);
  const recreateOwned = spec.migrationTypes.includes("full") && !resuming;
  const outcome = await withConnections(
    [() => openSource(spec.source), () => openDestination(destination)],
    (source, target) => migrateSchema(spec, source, target, owned, { recreateOwned }),
  );
  await store.saveOutcome(spec.name, "schema", outcome);
  return { tables: outcome.createdTables.length, notes: outcome.notes };
}
