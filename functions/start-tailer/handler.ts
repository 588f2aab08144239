import { launcherFromEnvironment } from "#core/adapters/tailer-launcher.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import { defaultCheckpointStore, defaultTaskStore } from "#core/store/index.ts";

/**
 * Lambda `start-tailer`: launches the incremental phase (ECS RunTask on Fargate in AWS, a child
 * process locally) and marks the task incremental. A tailer already running is left alone.
 */
export async function handler(event: {
  spec: unknown;
}): Promise<{ mode: string; id: string; alreadyRunning: boolean }> {
  const spec = parseTaskSpec(event.spec, "the execution input");
  await defaultCheckpointStore().clearStop(spec.name);
  const launched = await launcherFromEnvironment().launch(spec.name);
  await defaultTaskStore().setPhase(spec.name, "incremental");
  return launched;
}
