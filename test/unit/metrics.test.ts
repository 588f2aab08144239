import { describe, expect, it } from "vitest";
import { emfEnabled, tailerMetricsLine } from "#core/incremental/metrics.ts";

describe("CloudWatch metrics (embedded metric format)", () => {
  it("writes the tailer's latency, rate and threshold breach with the Task dimension", () => {
    const line = JSON.parse(tailerMetricsLine("orders", { latencyMs: 12_500, rowsPerSecond: 800 }, 10));
    expect(line._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: "DTS",
      Dimensions: [["Task"], []],
      Metrics: [
        { Name: "ReplicationLatencySeconds", Unit: "Seconds" },
        { Name: "AppliedRowsPerSecond", Unit: "Count/Second" },
        { Name: "LatencyThresholdBreached", Unit: "Count" },
      ],
    });
    expect(line).toMatchObject({
      Task: "orders",
      ReplicationLatencySeconds: 12.5,
      AppliedRowsPerSecond: 800,
      LatencyThresholdBreached: 1,
    });
    expect(
      JSON.parse(tailerMetricsLine("orders", { latencyMs: 900, rowsPerSecond: 1 }, 10))
        .LatencyThresholdBreached,
    ).toBe(0);
    expect(
      JSON.parse(tailerMetricsLine("orders", { latencyMs: 90_000, rowsPerSecond: 1 }, undefined))
        .LatencyThresholdBreached,
    ).toBe(0);
  });

  it("prints metrics on Fargate and Lambda, not in a local run unless asked", () => {
    expect(emfEnabled({})).toBe(false);
    expect(emfEnabled({ ECS_CONTAINER_METADATA_URI_V4: "http://169.254.170.2/v4/x" })).toBe(true);
    expect(emfEnabled({ AWS_LAMBDA_FUNCTION_NAME: "copy-chunk" })).toBe(true);
    expect(emfEnabled({ DTS_EMF: "1" })).toBe(true);
  });
});
