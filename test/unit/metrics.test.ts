import { describe, expect, it } from "vitest";
import { emfEnabled, METRIC_NAMES, tailerMetricsLine } from "#core/incremental/metrics.ts";
import type { TailerReport } from "#core/incremental/watch.ts";

const report = (fields: Partial<TailerReport>): TailerReport => ({
  connected: true,
  latencyMs: 0,
  rowsPerSecond: 0,
  headroomSeconds: undefined,
  ...fields,
});

describe("CloudWatch metrics (embedded metric format)", () => {
  it("writes the tailer's heartbeat, latency, rate, threshold breach and binlog headroom with the Task dimension", () => {
    const line = JSON.parse(
      tailerMetricsLine(
        "orders",
        report({ latencyMs: 12_500, rowsPerSecond: 800, headroomSeconds: 86_000 }),
        10,
        Date.UTC(2031, 0, 1),
      ),
    );
    expect(line._aws).toEqual({
      Timestamp: Date.UTC(2031, 0, 1),
      CloudWatchMetrics: [
        {
          Namespace: "DTS",
          Dimensions: [["Task"], []],
          Metrics: [
            { Name: "TailerHeartbeat", Unit: "Count" },
            { Name: "ReplicationLatencySeconds", Unit: "Seconds" },
            { Name: "LatencyThresholdBreached", Unit: "Count" },
            { Name: "AppliedRowsPerSecond", Unit: "Count/Second" },
            { Name: "BinlogRetentionHeadroomSeconds", Unit: "Seconds" },
          ],
        },
      ],
    });
    expect(line).toMatchObject({
      Task: "orders",
      TailerHeartbeat: 1,
      ReplicationLatencySeconds: 12.5,
      AppliedRowsPerSecond: 800,
      LatencyThresholdBreached: 1,
      BinlogRetentionHeadroomSeconds: 86_000,
    });
    const breached = (latencyMs: number, threshold: number | undefined) =>
      JSON.parse(tailerMetricsLine("orders", report({ latencyMs }), threshold)).LatencyThresholdBreached;
    expect(breached(900, 10)).toBe(0);
    expect(breached(90_000, undefined)).toBe(0);
  });

  it("leaves out what is not known rather than writing 0: a latency before any event, the headroom of a source that never purges", () => {
    const line = JSON.parse(
      tailerMetricsLine("orders", report({ connected: false, latencyMs: undefined }), 10),
    );
    const names = line._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);
    expect(names).toEqual(["TailerHeartbeat", "AppliedRowsPerSecond"]);
    expect(line).not.toHaveProperty("ReplicationLatencySeconds");
    expect(line).not.toHaveProperty("BinlogRetentionHeadroomSeconds");
  });

  it("names every metric in one constant (infra/monitoring.ts alarms on the same names)", () => {
    expect(METRIC_NAMES).toMatchObject({
      tailerHeartbeat: "TailerHeartbeat",
      latency: "ReplicationLatencySeconds",
      binlogRetentionHeadroom: "BinlogRetentionHeadroomSeconds",
    });
  });

  it("prints metrics on Fargate and Lambda, not in a local run unless asked", () => {
    expect(emfEnabled({})).toBe(false);
    expect(emfEnabled({ ECS_CONTAINER_METADATA_URI_V4: "http://169.254.170.2/v4/x" })).toBe(true);
    expect(emfEnabled({ AWS_LAMBDA_FUNCTION_NAME: "copy-chunk" })).toBe(true);
    expect(emfEnabled({ DTS_EMF: "1" })).toBe(true);
  });
});
