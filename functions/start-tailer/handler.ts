import { tailerLauncher } from "#core/adapters/tailer-launcher.ts";
import { processConfig } from "#core/config.ts";
import { handlerCall } from "#core/logger.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import { defaultCheckpointStore, defaultTaskStore } from "#core/store/index.ts";

/**
 * Lambda `start-tailer`: launches the incremental phase (ECS RunTask on Fargate in AWS, a child
 * process locally) and marks the task incremental. A tailer already running is left alone.
 */
export function handler(event: {
  spec: unknown;
}): Promise<{ mode: string; id: string; alreadyRunning: boolean }> {
  return handlerCall(
    "start-tailer",
    event,
    () => startTailer(event),
    (r) => ({
      tailer: r.id,
      mode: r.mode,
      alreadyRunning: r.alreadyRunning,
    }),
  );
}

async function startTailer(event: {
  spec: unknown;
}): Promise<{ mode: string; id: string; alreadyRunning: boolean }> {
  const { launcher } = processConfig();
  const spec = parseTaskSpec(event.spec, "the execution input");
  await defaultCheckpointStore().clearStop(spec.name);
  const launched = await tailerLauncher(launcher).launch(spec.name);
  await defaultTaskStore().setPhase(spec.name, "incremental");
  return launched;
}
