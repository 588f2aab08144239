import type { Connection } from "mysql2/promise";
import { processConfig } from "#core/config.ts";
import { runCopyWorker } from "#core/fullload/copy-worker.ts";
import { emfMetrics, type Metrics } from "#core/incremental/metrics.ts";
import { handlerCall, processLogger } from "#core/logger.ts";
import type { KafkaWriter } from "#core/sinks/kafka/writer.ts";
import { withKafkaWriter } from "#core/sinks/open.ts";
import { openDestination, openSource, withConnections } from "#core/source/connection.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import { defaultChunkLedger, defaultTaskStore } from "#core/store/index.ts";

export interface CopyEvent {
  spec: unknown;
  execution: string;
  worker: number;
  workers: number;
}

/** FullLoadRowsCopied and FullLoadProgressPercent as CloudWatch metrics after each chunk. */
async function chunkMetrics(metrics: Metrics, task: string, rows: number): Promise<void> {
  const summary = await defaultChunkLedger().summary(task);
  metrics.fullLoadChunk(task, { rows, rowsCopied: summary.rowsCopied, estimatedRows: summary.estimatedRows });
}

/** Leave two minutes of Lambda's time for the chunk in progress. */
const SAFETY_MS = 120_000;

/** Lambda `copy-chunk`: one copy worker; claims chunks from the ledger and copies them. */
export function handler(
  event: CopyEvent,
  context?: { getRemainingTimeInMillis(): number },
): Promise<{ copied: number; more: boolean }> {
  return handlerCall(
    "copy-chunk",
    event,
    () => copy(event, context),
    (r) => ({
      worker: event.worker,
      copied: r.copied,
      more: r.more,
    }),
  );
}

async function copy(
  event: CopyEvent,
  context?: { getRemainingTimeInMillis(): number },
): Promise<{ copied: number; more: boolean }> {
  const metrics = emfMetrics(processConfig().metrics);
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
      onChunkDone: metrics.enabled ? (rows) => chunkMetrics(metrics, spec.name, rows) : undefined,
      log: processLogger(),
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
