import { schemaOutput } from "#core/api/step-outputs.ts";
import { taskStep } from "#core/api/task-step.ts";
import { publishSchema } from "#core/schema/kafka-ddl.ts";
import { migrateSchema } from "#core/schema/migrate.ts";
import { withKafkaWriter } from "#core/sinks/open.ts";
import { openDestination, openSource, withConnections } from "#core/source/connection.ts";
import { schemaRule } from "#core/task/lifecycle.ts";

/**
 * Lambda `schema`: creates the destination databases, tables and views as mapped. A task whose
 * schema step ended keeps it; the tables it created are recreated only before any chunk was
 * copied into them (core/task/lifecycle.ts). Returns counts; the notes are on the task record.
 */
export function handler(event: { spec: unknown }): Promise<{ tables: number; notes: number }> {
  return taskStep(
    "schema",
    event,
    async ({ spec, store }) => {
      const task = await store.get(spec.name);
      const rule = schemaRule(task, spec);
      if (rule === "done") return { tables: task?.schema?.createdTables.length ?? 0, notes: 0 };
      await store.setPhase(spec.name, "schema");
      const destination = spec.destination;
      if (destination.type === "kafka") {
        const outcome = await withConnections([() => openSource(spec.source)], (source) =>
          withKafkaWriter(spec, task, (writer) => publishSchema(spec, source, writer)),
        );
        await store.saveOutcome(spec.name, "schema", outcome);
        return { tables: 0, notes: outcome.notes.length };
      }
      const owned = task?.schema?.createdTables ?? [];
      const outcome = await withConnections(
        [() => openSource(spec.source), () => openDestination(destination)],
        (source, target) => migrateSchema(spec, source, target, owned, rule),
      );
      await store.saveOutcome(spec.name, "schema", outcome);
      return schemaOutput(outcome);
    },
    (r) => r,
  );
}
