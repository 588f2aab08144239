import { emfLine, METRICS_NAMESPACE } from "../incremental/metrics.ts";
import type { CheckpointRecord, CheckpointStore } from "../store/checkpoint-store.ts";
import type { TaskStore } from "../store/task-store.ts";
import { tailerAlive } from "./tailer-state.ts";

/*
 * The watchdog of the deployed tailers (functions/watch-tasks, every minute). A tailer that died,
 * or hangs, or reconnects for hours writes nothing, and "nothing" cannot raise a CloudWatch alarm
 * on a stack where no task runs incremental migration either. So the watchdog, which always
 * runs, says how many tasks should have a tailer and how long the most silent one has had none;
 * its alarm (infra/monitoring.ts) treats a missing report as breaching: then the watchdog itself
 * is dead, and nothing watches the tailers.
 */

/** The watchdog's metrics (namespace DTS); infra/monitoring.ts METRICS names the same. */
export const WATCH_METRICS = {
  /** Tasks in phase incremental: each should have a live tailer. No dimension. */
  incrementalTasks: "IncrementalTasks",
  /** Of those, the ones whose tailer holds no live lease (dead, reconnecting, or still starting). No dimension. */
  stalledTailers: "StalledTailers",
  /** The longest any of those has been without a live tailer, in seconds; 0 when none. No dimension. */
  oldestTailerSilence: "OldestTailerSilenceSeconds",
  /** Per task in phase incremental (dimension sets [["Task"], []]): its tailer's silence in seconds. */
  tailerSilence: "TailerSilenceSeconds",
} as const;

/** One task's tailer as the watchdog sees it. */
export interface WatchedTailer {
  task: string;
  /** It holds the task's lease now (core/task/tailer-state.ts). */
  alive: boolean;
  /** Seconds since the tailer was last seen alive (its lease ran out) or the task last moved; 0 when alive. */
  silentSeconds: number;
}

export interface WatchReport {
  /** Epoch milliseconds of the watch. */
  at: number;
  /** Every task in phase incremental, by name. */
  tailers: WatchedTailer[];
  /** Those without a live tailer, most silent first. */
  stalled: WatchedTailer[];
  oldestSilenceSeconds: number;
}

/** What a watch reads: the task list and each incremental task's lease. */
export interface WatchPorts {
  store: Pick<TaskStore, "list">;
  checkpoints: Pick<CheckpointStore, "read">;
  /** Epoch milliseconds now. */
  clock: () => number;
}

/**
 * A tailer is silent from the later of: its lease running out (the last moment it was alive) and
 * the task's last change (entering incremental, a relaunch recorded by supervision): a tailer
 * launched a minute ago has not had time to take its lease, and one that never took it is silent
 * since the task was moved on.
 */
export function watchTailer(
  task: { name: string; updatedAt: string },
  lease: CheckpointRecord | undefined,
  now: number,
): WatchedTailer {
  if (tailerAlive(lease, now)) return { task: task.name, alive: true, silentSeconds: 0 };
  const moved = Date.parse(task.updatedAt);
  const lastSeen = Math.max(lease?.expiresAt ?? 0, Number.isNaN(moved) ? 0 : moved);
  const silentSeconds = lastSeen > 0 ? Math.max(0, Math.round((now - lastSeen) / 1000)) : 0;
  return { task: task.name, alive: false, silentSeconds };
}

/** Reads every task in phase incremental and its lease, and says which tailers are silent. */
export async function watchTasks(ports: WatchPorts): Promise<WatchReport> {
  const incremental = (await ports.store.list()).filter((t) => t.phase === "incremental");
  const leases = await Promise.all(incremental.map((t) => ports.checkpoints.read(t.name)));
  const at = ports.clock();
  const tailers = incremental.map((t, i) => watchTailer(t, leases[i], at));
  const stalled = tailers.filter((t) => !t.alive).sort((a, b) => b.silentSeconds - a.silentSeconds);
  return { at, tailers, stalled, oldestSilenceSeconds: stalled[0]?.silentSeconds ?? 0 };
}

/**
 * The report as CloudWatch embedded metric format lines: one without dimensions, always (even
 * with no task: its absence is what the watchdog's alarm catches), then one per incremental task.
 */
export function watchMetricsLines(report: WatchReport): string[] {
  const stack = JSON.stringify({
    _aws: {
      Timestamp: report.at,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [[]],
          Metrics: [
            { Name: WATCH_METRICS.incrementalTasks, Unit: "Count" },
            { Name: WATCH_METRICS.stalledTailers, Unit: "Count" },
            { Name: WATCH_METRICS.oldestTailerSilence, Unit: "Seconds" },
          ],
        },
      ],
    },
    [WATCH_METRICS.incrementalTasks]: report.tailers.length,
    [WATCH_METRICS.stalledTailers]: report.stalled.length,
    [WATCH_METRICS.oldestTailerSilence]: report.oldestSilenceSeconds,
  });
  const perTask = report.tailers.map((t) =>
    emfLine(
      t.task,
      { [WATCH_METRICS.tailerSilence]: { value: t.silentSeconds, unit: "Seconds" } },
      report.at,
    ),
  );
  return [stack, ...perTask];
}
