import type { Connection } from "mysql2/promise";
import { taskStep } from "#core/api/task-step.ts";
import { type CopyWorkerResult, runCopyWorker } from "#core/fullload/copy-worker.ts";
import { emfMetrics, type Metrics } from "#core/incremental/metrics.ts";
import { processLogger } from "#core/logger.ts";
import type { KafkaWriter } from "#core/sinks/kafka/writer.ts";
import { withKafkaWriter } from "#core/sinks/open.ts";
import { openDestination, openSource, withConnections } from "#core/source/connection.ts";
import type { ChunkLedger } from "#core/store/chunk-ledger.ts";

export interface CopyEvent {
  spec: unknown;
  execution: string;
  worker: number;
  workers: number;
}

/** FullLoadRowsCopied and FullLoadProgressPercent as CloudWatch metrics after each chunk. */
async function chunkMetrics(
  metrics: Metrics,
  ledger: ChunkLedger,
  task: string,
  rows: number,
): Promise<void> {
  const summary = await ledger.summary(task);
  metrics.fullLoadChunk(task, { rows, rowsCopied: summary.rowsCopied, estimatedRows: summary.estimatedRows });
}

/** Leave two minutes of Lambda's time for the chunk in progress. */
const SAFETY_MS = 120_000;

/**
 * Lambda `copy-chunk`: one copy worker; claims chunks from the ledger and copies them. A chunk
 * whose copy fails is given back with a backoff (or marked failed) and the worker returns without
 * an error: the Map goes on, and FullLoadStatus decides whether the load goes on or stops.
 */
export function handler(
  event: CopyEvent,
  context?: { getRemainingTimeInMillis(): number },
): Promise<CopyWorkerResult> {
  return taskStep(
    "copy-chunk",
    event,
    async ({ spec, config, store, ledger }) => {
      const metrics = emfMetrics(config.metrics);
      const destination = spec.destination;
      const task = await store.get(spec.name);
      const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - SAFETY_MS : undefined;
      const worker = async (source: Connection, target: Connection | KafkaWriter) => {
        const result = await runCopyWorker({
          spec,
          execution: event.execution,
          worker: event.worker,
          workers: event.workers,
          source,
          destination: target,
          ledger,
          deadline,
          startedAt: task?.fullLoad?.startedAt ? Date.parse(task.fullLoad.startedAt) : undefined,
          onChunkDone: metrics.enabled ? (rows) => chunkMetrics(metrics, ledger, spec.name, rows) : undefined,
          log: processLogger(),
          retry: { backoffMs: config.fullLoad.chunkRetryBackoffMs },
        });
        // A copy that failed may leave a connection mid-statement (a write to a killed server
        // that never answers): closing it politely could wait until Lambda's timeout.
        if (result.released || result.failed) {
          source.destroy();
          if (!("writeRows" in target)) target.destroy();
        }
        return result;
      };
      if (destination.type === "kafka") {
        return withConnections([() => openSource(spec.source)], (source) =>
          withKafkaWriter(spec, task, (writer) => worker(source as never, writer)),
        );
      }
      return withConnections(
        [() => openSource(spec.source), () => openDestination(destination)],
        (source, target) => worker(source as never, target as never),
      );
    },
    (r) => ({ worker: event.worker, copied: r.copied, more: r.more, failed: r.failed, released: r.released }),
  );
}
