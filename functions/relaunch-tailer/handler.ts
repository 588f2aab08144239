import { tailerLauncher } from "#core/adapters/tailer-launcher.ts";
import { callConfig } from "#core/config.ts";
import { FatalError } from "#core/errors.ts";
import { handlerCall } from "#core/logger.ts";
import { defaultCheckpointStore, defaultTaskStore } from "#core/store/index.ts";
import {
  answerStoppedTailer,
  type EcsTaskStateChange,
  type RelaunchOutcome,
  stoppedTailerMetricsLine,
} from "#core/task/relaunch.ts";

/**
 * Lambda `relaunch-tailer`: the target of the EventBridge rule on stopped tailer tasks
 * (infra/supervision.ts), outside the state machine. Relaunches the task's tailer from its
 * checkpoint, or leaves it stopped, or fails the task after its retry window (core/task/relaunch.ts).
 */
export function handler(event: EcsTaskStateChange): Promise<RelaunchOutcome> {
  return handlerCall(
    "relaunch-tailer",
    event,
    () => {
      const config = callConfig();
      const { launcher } = config;
      if (launcher.mode !== "ecs" || !launcher.cluster || !launcher.taskDefinition)
        throw new FatalError(
          "relaunch-tailer supervises the ECS tailers: set DTS_TAILER_CLUSTER and DTS_TAILER_TASK_DEFINITION (the stack does)",
        );
      return answerStoppedTailer(event, {
        store: defaultTaskStore(),
        checkpoints: defaultCheckpointStore(),
        launcher: tailerLauncher(launcher),
        tailers: { cluster: launcher.cluster, taskDefinition: launcher.taskDefinition },
        leaseTtlMs: config.tailer.leaseTtlMs,
        clock: Date.now,
        // TailerStoppedUnexpectedly: the alarm on tailers that stop when nothing asked them to.
        stoppedUnexpectedly: (task) => {
          if (config.metrics.emf) process.stdout.write(`${stoppedTailerMetricsLine(task, Date.now())}\n`);
        },
      });
    },
    (outcome) => ({ ...outcome, stoppedTask: event.detail?.taskArn }),
  );
}
