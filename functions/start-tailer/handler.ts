import { tailerLauncher } from "#core/adapters/tailer-launcher.ts";
import { taskStep } from "#core/api/task-step.ts";
import { type LaunchedTailer, startTailer } from "#core/task/tailer-start.ts";

/**
 * Lambda `start-tailer`: launches the incremental phase (ECS RunTask on Fargate in AWS, a child
 * process locally) and marks the task incremental. A tailer already running is left alone.
 */
export function handler(event: { spec: unknown; execution?: string }): Promise<LaunchedTailer> {
  return taskStep(
    "start-tailer",
    event,
    ({ spec, config, store, checkpoints }) =>
      // Keyed by the execution: a retried StartTailer (its Lambda timed out after RunTask) starts one tailer.
      startTailer(
        spec.name,
        { store, checkpoints, launcher: tailerLauncher(config.launcher) },
        "execution",
        event.execution,
      ),
    (r) => ({ tailer: r.id, mode: r.mode, alreadyRunning: r.alreadyRunning }),
  );
}
