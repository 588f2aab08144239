/**
 * CloudWatch metrics as Embedded Metric Format log lines: on Fargate and Lambda the log driver
 * turns each line into metrics of the `DTS` namespace (infra/monitoring.ts alarms and graphs
 * them). Printed only where CloudWatch reads the logs, or when DTS_EMF=1.
 */
export const METRICS_NAMESPACE = "DTS";

export function emfEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    env.DTS_EMF === "1" ||
    env.ECS_CONTAINER_METADATA_URI_V4 !== undefined ||
    env.AWS_LAMBDA_FUNCTION_NAME !== undefined
  );
}

export function emfLine(
  task: string,
  metrics: Record<string, { value: number; unit: "Seconds" | "Count" | "Count/Second" | "Percent" }>,
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
