import { FatalError } from "#core/errors.ts";
import { migrateSchema } from "#core/schema/migrate.ts";
import { openDestination, openSource, withConnections } from "#core/source/connection.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import { defaultTaskStore } from "#core/store/index.ts";

/** Lambda `schema`: creates the destination databases, tables and views as mapped. */
export async function handler(event: { spec: unknown }): Promise<{ tables: number; notes: string[] }> {
  const spec = parseTaskSpec(event.spec, "the execution input");
  const destination = spec.destination;
  if (destination.type !== "mysql")
    throw new FatalError("schema migration into Kafka writes DDL records: not available yet");
  const store = defaultTaskStore();
  await store.setPhase(spec.name, "schema");
  const owned = (await store.get(spec.name))?.schema?.createdTables ?? [];
  const outcome = await withConnections(
    [() => openSource(spec.source), () => openDestination(destination)],
    (source, target) => migrateSchema(spec, source as never, target as never, owned),
  );
  await store.saveOutcome(spec.name, "schema", outcome);
  return { tables: outcome.createdTables.length, notes: outcome.notes };
}
