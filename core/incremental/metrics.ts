/**
 * CloudWatch metrics as Embedded Metric Format log lines: on Fargate and Lambda the log driver
 * turns each line into metrics of the `DTS` namespace (infra/monitoring.ts alarms and graphs
 * them, by these names and the dimension sets [["Task"], []]). This is the only module that
 * writes EMF; whether it does is the config's `metrics.emf` (DTS_EMF, else on Lambda and Fargate).
 */
import { type Environment, loadConfig, type MetricsConfig } from "../config.ts";
import type { TailerReport } from "./watch.ts";

export const METRICS_NAMESPACE = "DTS";

/**
 * Every metric name the project emits, in one place: infra/monitoring.ts alarms on exactly these.
 * The tailer's are written every TAILER_REPORT_INTERVAL_MS (core/incremental/watch.ts) while its
 * process runs, connected or reconnecting.
 */
export const METRIC_NAMES = {
  /** Tailer: 1 per report while the process runs (connected or reconnecting); missing = dead. */
  tailerHeartbeat: "TailerHeartbeat",
  /** Tailer: now minus the source time of the last applied event; grows while reconnecting. */
  latency: "ReplicationLatencySeconds",
  /** Tailer: row changes applied per second (0 while reconnecting). */
  appliedRowsPerSecond: "AppliedRowsPerSecond",
  /** Tailer: 1 while latency is above the task's alerts.latencyThresholdSeconds, else 0. */
  latencyThresholdBreached: "LatencyThresholdBreached",
  /**
   * Tailer: a lower bound on the seconds until the source purges the binlog the checkpoint is in
   * (negative: it may be gone). Not emitted when the source never purges binlogs (retention 0 /
   * auto purge off) or its retention cannot be read.
   */
  binlogRetentionHeadroom: "BinlogRetentionHeadroomSeconds",
  /** copy-chunk: rows written by a finished chunk. */
  fullLoadRowsCopied: "FullLoadRowsCopied",
  /** copy-chunk: rows copied of rows planned, in percent. */
  fullLoadProgress: "FullLoadProgressPercent",
} as const;

type Unit = "Seconds" | "Count" | "Count/Second" | "Percent";

/** Whether an environment turns EMF on (for callers holding an environment, not a config). */
export function emfEnabled(environment: Environment): boolean {
  return loadConfig(environment).metrics.emf;
}

export function emfLine(
  task: string,
  metrics: Record<string, { value: number; unit: Unit }>,
  now = Date.now(),
): string {
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [["Task"], []],
          Metrics: Object.entries(metrics).map(([name, m]) => ({ Name: name, Unit: m.unit })),
        },
      ],
    },
    Task: task,
    ...Object.fromEntries(Object.entries(metrics).map(([name, m]) => [name, m.value])),
  });
}

/** The tailer's metrics, once per report; a value not known yet is left out, never written as 0. */
export function tailerMetricsLine(
  task: string,
  report: TailerReport,
  thresholdSeconds: number | undefined,
  now = Date.now(),
): string {
  const metrics: Record<string, { value: number; unit: Unit }> = {
    [METRIC_NAMES.tailerHeartbeat]: { value: 1, unit: "Count" },
  };
  if (report.latencyMs !== undefined) {
    const latency = report.latencyMs / 1000;
    metrics[METRIC_NAMES.latency] = { value: latency, unit: "Seconds" };
    metrics[METRIC_NAMES.latencyThresholdBreached] = {
      value: thresholdSeconds !== undefined && latency > thresholdSeconds ? 1 : 0,
      unit: "Count",
    };
  }
  metrics[METRIC_NAMES.appliedRowsPerSecond] = { value: report.rowsPerSecond, unit: "Count/Second" };
  if (report.headroomSeconds !== undefined)
    metrics[METRIC_NAMES.binlogRetentionHeadroom] = { value: report.headroomSeconds, unit: "Seconds" };
  return emfLine(task, metrics, now);
}

/** A copy worker's metrics after a chunk: its rows, and the share of the planned rows copied so far. */
export function fullLoadMetricsLine(
  task: string,
  progress: { rows: number; rowsCopied: number; estimatedRows: number },
): string {
  const percent =
    progress.estimatedRows > 0 ? Math.min(100, (100 * progress.rowsCopied) / progress.estimatedRows) : 100;
  return emfLine(task, {
    [METRIC_NAMES.fullLoadRowsCopied]: { value: progress.rows, unit: "Count" },
    [METRIC_NAMES.fullLoadProgress]: { value: Math.round(percent * 10) / 10, unit: "Percent" },
  });
}

/** The metrics a task emits; nothing is written when EMF is off. */
export interface Metrics {
  readonly enabled: boolean;
  tailer(task: string, report: TailerReport, thresholdSeconds?: number): void;
  fullLoadChunk(task: string, progress: { rows: number; rowsCopied: number; estimatedRows: number }): void;
}

/** EMF lines on stdout (where the Lambda and Fargate log drivers read them), when the config says so. */
export function emfMetrics(
  config: MetricsConfig,
  write: (line: string) => void = (line) => process.stdout.write(line),
  clock: () => number = Date.now,
): Metrics {
  const emit = (line: string) => {
    if (config.emf) write(`${line}\n`);
  };
  return {
    enabled: config.emf,
    tailer: (task, report, thresholdSeconds) =>
      emit(tailerMetricsLine(task, report, thresholdSeconds, clock())),
    fullLoadChunk: (task, progress) => emit(fullLoadMetricsLine(task, progress)),
  };
}
