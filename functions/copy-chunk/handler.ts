import { FatalError } from "#core/errors.ts";
import { runCopyWorker } from "#core/fullload/service.ts";
import { openDestination, openSource, withConnections } from "#core/source/connection.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import { defaultChunkLedger } from "#core/store/index.ts";

export interface CopyEvent {
  spec: unknown;
  execution: string;
  worker: number;
  workers: number;
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
  if (destination.type !== "mysql") throw new FatalError("full load into Kafka is not available yet");
  const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - SAFETY_MS : undefined;
  return withConnections(
    [() => openSource(spec.source), () => openDestination(destination)],
    (source, target) =>
      runCopyWorker({
        spec,
        execution: event.execution,
        worker: event.worker,
        workers: event.workers,
        source: source as never,
        destination: target as never,
        ledger: defaultChunkLedger(),
        deadline,
      }),
  );
}
