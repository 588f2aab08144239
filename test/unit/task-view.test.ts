import { describe, expect, it } from "vitest";
import { taskView } from "#core/api/view.ts";
import type { TaskRecord } from "#core/store/task-store.ts";
import { spec } from "../support/spec-fixtures.ts";

const REPORTED = Date.UTC(2031, 0, 1, 12, 0, 0);

const task: TaskRecord = {
  name: "orders",
  spec: spec({ name: "orders" }),
  phase: "paused",
  createdAt: new Date(REPORTED - 3_600_000).toISOString(),
  updatedAt: new Date(REPORTED).toISOString(),
  incremental: {
    position: { file: "mysql-bin.000003", position: 4_096 },
    latencyMs: 40,
    rowsPerSecond: 1_500,
    appliedRows: 90_000,
    updatedAt: new Date(REPORTED).toISOString(),
  },
};

const live = { owner: "tailer-a", leaseExpiresAt: new Date(REPORTED + 15_000).toISOString() };

describe("a task's incremental figures", () => {
  it("are the running tailer's last report", () => {
    const view = taskView({ task, executions: [], tailer: live, now: REPORTED + 900 });
    expect(view.latencySeconds).toBe(0.04);
    expect(view.incremental).toMatchObject({ latencyMs: 40, rowsPerSecond: 1_500, appliedRows: 90_000 });
  });

  it("fall behind while no tailer runs: latency grows from the last report, nothing is applied per second", () => {
    const paused = (seconds: number) =>
      taskView({ task, executions: [], tailer: null, now: REPORTED + seconds * 1000 });
    expect(paused(30).latencySeconds).toBe(30.04);
    expect(paused(90).incremental).toMatchObject({
      latencyMs: 90_040,
      rowsPerSecond: 0,
      appliedRows: 90_000,
    });
  });
});
