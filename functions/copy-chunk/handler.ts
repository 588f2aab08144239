import type { Connection } from "mysql2/promise";
import { runCopyWorker } from "#core/fullload/service.ts";
import type { KafkaWriter } from "#core/sinks/kafka/writer.ts";
import { withKafkaWriter } from "#core/sinks/open.ts";
import { openDestination, openSource, withConnections } from "#core/source/connection.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import { defaultChunkLedger, defaultTaskStore } from "#core/store/index.ts";
import { emfEnabled, emfLine } from "#core/stream/metrics.ts";

export interface CopyEvent {
  spec: unknown;
  execution: string;
  worker: number;
  workers: number;
}

/** FullLoadRowsCopied and FullLoadProgressPercent as CloudWatch metrics (EMF) after each chunk. */
async function chunkMetrics(task: string, rows: number): Promise<void> {
  const summary = await defaultChunkLedger().summary(task);
  const percent =
    summary.estimatedRows > 0 ? Math.min(100, (100 * summary.rowsCopied) / summary.estimatedRows) : 100;
  process.stdout.write(
    `${emfLine(task, {
      FullLoadRowsCopied: { value: rows, unit: "Count" },
      FullLoadProgressPercent: { value: Math.round(percent * 10) / 10, unit: "Percent" },
    })}\n`,
  );
}

/** Leave two minutes of Lambda's time for the chunk in progress. */
const SAFETY_MS = 120_000;

/** Lambda `copy-chunk`: one copy worker; claims chunks from the ledger and copies them. */
export async function handler(
  event: CopyEvent,
  context?: { getRemainingTimeInMillis(): number },
): Promise<{ copied: number; more: boolean }> {
  const spec = parseTaskSpec(event.spec, "the execution input");
  const destination = spec.destination;
  const task = await defaultTaskStore().get(spec.name);
  const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - SAFETY_MS : undefined;
  const worker = (source: Connection, target: Connection | KafkaWriter) =>
    runCopyWorker({
      spec,
      execution: event.execution,
      worker: event.worker,
      workers: event.workers,
      source,
      destination: target,
      ledger: defaultChunkLedger(),
      deadline,
      startedAt: task?.fullLoad?.startedAt ? Date.parse(task.fullLoad.startedAt) : undefined,
      onChunkDone: emfEnabled() ? (rows) => chunkMetrics(spec.name, rows) : undefined,
    });
  if (destination.type === "kafka") {
    return withConnections([() => openSource(spec.source)], (source) =>
      withKafkaWriter(spec, task, (writer) => worker(source as never, writer)),
    );
  }
  return withConnections(
    [() => openSource(spec.source), () => openDestination(destination)],
    (source, target) => worker(source as never, target as never),
  );
}
