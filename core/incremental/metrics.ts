/**
 * CloudWatch metrics as Embedded Metric Format log lines: on Fargate and Lambda the log driver
 * turns each line into metrics of the `DTS` namespace (infra/monitoring.ts alarms and graphs
 * them, by these names and the dimension sets [["Task"], []]). This is the only module that
 * writes EMF; whether it does is the config's `metrics.emf` (DTS_EMF, else on Lambda and Fargate).
 */
import { type Environment, loadConfig, type MetricsConfig } from "../config.ts";

export const METRICS_NAMESPACE = "DTS";

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

/** The tailer's metrics, once per report. */
export function tailerMetricsLine(
  task: string,
  metrics: { latencyMs: number; rowsPerSecond: number },
  thresholdSeconds: number | undefined,
): string {
  const latency = metrics.latencyMs / 1000;
  return emfLine(task, {
    ReplicationLatencySeconds: { value: latency, unit: "Seconds" },
    AppliedRowsPerSecond: { value: metrics.rowsPerSecond, unit: "Count/Second" },
    LatencyThresholdBreached: {
      value: thresholdSeconds !== undefined && latency > thresholdSeconds ? 1 : 0,
      unit: "Count",
    },
  });
}

/** A copy worker's metrics after a chunk: its rows, and the share of the planned rows copied so far. */
export function fullLoadMetricsLine(
  task: string,
  progress: { rows: number; rowsCopied: number; estimatedRows: number },
): string {
  const percent =
    progress.estimatedRows > 0 ? Math.min(100, (100 * progress.rowsCopied) / progress.estimatedRows) : 100;
  return emfLine(task, {
    FullLoadRowsCopied: { value: progress.rows, unit: "Count" },
    FullLoadProgressPercent: { value: Math.round(percent * 10) / 10, unit: "Percent" },
  });
}

/** The metrics a task emits; nothing is written when EMF is off. */
export interface Metrics {
  readonly enabled: boolean;
  tailer(
    task: string,
    metrics: { latencyMs: number; rowsPerSecond: number },
    thresholdSeconds?: number,
  ): void;
  fullLoadChunk(task: string, progress: { rows: number; rowsCopied: number; estimatedRows: number }): void;
}

/** EMF lines on stdout (where the Lambda and Fargate log drivers read them), when the config says so. */
export function emfMetrics(
  config: MetricsConfig,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Metrics {
  const emit = (line: string) => {
    if (config.emf) write(`${line}\n`);
  };
  return {
    enabled: config.emf,
    tailer: (task, metrics, thresholdSeconds) => emit(tailerMetricsLine(task, metrics, thresholdSeconds)),
    fullLoadChunk: (task, progress) => emit(fullLoadMetricsLine(task, progress)),
  };
}
