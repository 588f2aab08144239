/**
 * The custom metrics namespace. What emits each metric (CloudWatch embedded metric format lines
 * on stdout, dimension sets [["Task"], []]) is listed in docs/deploy.md.
 */
export const METRICS_NAMESPACE = "DTS";
export const METRICS = {
  /** Tailer: now minus the source commit time of the last applied change (seconds). */
  latency: "ReplicationLatencySeconds",
  /** Tailer: row changes applied per second. */
  appliedRowsPerSecond: "AppliedRowsPerSecond",
  /** Tailer: 1 while latency is above the task's alerts.latencyThresholdSeconds, else 0. */
  latencyThresholdBreached: "LatencyThresholdBreached",
  /** copy-chunk: rows written by a finished chunk (Sum per period = rows copied). */
  fullLoadRowsCopied: "FullLoadRowsCopied",
  /** copy-chunk: rows copied of rows planned, in percent, after each chunk. */
  fullLoadProgress: "FullLoadProgressPercent",
  /** From the tailer's log (metric filter): error lines, e.g. the tailer gave up. */
  tailerErrors: "TailerErrors",
  /** Tailer: 1 per report, connected or reconnecting (core/incremental/metrics.ts). */
  tailerHeartbeat: "TailerHeartbeat",
  /** Tailer: a lower bound on the seconds until the oldest binlog the task still needs is purged. */
  binlogRetentionHeadroom: "BinlogRetentionHeadroomSeconds",
  /** watch-tasks, every minute, no dimension: tasks in phase incremental (core/task/watch.ts). */
  incrementalTasks: "IncrementalTasks",
  /** watch-tasks, no dimension: of those, the ones without a live tailer. */
  stalledTailers: "StalledTailers",
  /** watch-tasks, no dimension: the longest any of them has been without a live tailer (s). */
  oldestTailerSilence: "OldestTailerSilenceSeconds",
  /** watch-tasks, per task: its tailer's silence (s), 0 while alive. */
  tailerSilence: "TailerSilenceSeconds",
  /** relaunch-tailer: a tailer stopped when nothing asked it to (core/task/relaunch.ts). */
  tailerStoppedUnexpectedly: "TailerStoppedUnexpectedly",
} as const;
