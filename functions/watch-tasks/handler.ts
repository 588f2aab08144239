import { processConfig } from "#core/config.ts";
import { handlerCall, processLogger } from "#core/logger.ts";
import { defaultCheckpointStore, defaultTaskStore } from "#core/store/index.ts";
import { type WatchReport, watchMetricsLines, watchTasks } from "#core/task/watch.ts";

/**
 * Lambda `watch-tasks`: the tailers' watchdog, invoked every minute by an EventBridge schedule
 * (infra/monitoring.ts), outside the state machine. Writes the watch as metrics (core/task/watch.ts)
 * and one warning per task whose tailer is silent, naming it; the alarms say how long is too long.
 */
export function handler(event: unknown = {}): Promise<WatchReport> {
  return handlerCall(
    "watch-tasks",
    event,
    async () => {
      const report = await watchTasks({
        store: defaultTaskStore(),
        checkpoints: defaultCheckpointStore(),
        clock: Date.now,
      });
      // Always written when deployed (Lambda turns EMF on): a watch that writes nothing is a dead watchdog.
      if (processConfig().metrics.emf) {
        for (const line of watchMetricsLines(report)) process.stdout.write(`${line}\n`);
      }
      for (const tailer of report.stalled) {
        processLogger().warn("no live tailer", {
          task: tailer.task,
          phase: "incremental",
          silentSeconds: tailer.silentSeconds,
        });
      }
      return report;
    },
    (r) => ({ incrementalTasks: r.tailers.length, stalledTailers: r.stalled.length }),
  );
}
