import { beforeEach, describe, expect, it } from "vitest";
import { ecsLauncher, runTaskToken } from "#core/adapters/tailer-launcher.ts";
import type { Phase } from "#core/model/phase.ts";
import { memoryStores } from "#core/store/memory.ts";
import { WATCH_METRICS, watchMetricsLines, watchTasks } from "#core/task/watch.ts";
import { spec } from "../support/spec-fixtures.ts";

const NOW = Date.UTC(2031, 0, 1, 12);
const MINUTE = 60_000;
const TTL = 15_000;

let clock: { now: number };
let stores: ReturnType<typeof memoryStores>;
const watch = () =>
  watchTasks({ store: stores.tasks, checkpoints: stores.checkpoints, clock: () => clock.now });

beforeEach(() => {
  clock = { now: NOW };
  stores = memoryStores(() => clock.now);
});

/** A task moved the way the state machine moves it into `phase`, at the clock's time. */
async function taskIn(name: string, phase: Phase): Promise<void> {
  await stores.tasks.saveSpec(spec({ name }));
  await stores.tasks.setPhase(name, "prechecking");
  await stores.tasks.setPhase(name, "prechecked");
  if (phase === "completed") return stores.tasks.setPhase(name, "completed");
  await stores.tasks.setPhase(name, "incremental");
  if (phase !== "incremental") await stores.tasks.setPhase(name, phase);
}

describe("the tailers' watchdog", () => {
  it("reports zero tasks and no silence on a stack without incremental migration, so its alarm stays OK", async () => {
    await taskIn("done", "completed");
    await taskIn("paused", "paused");
    const report = await watch();
    expect(report).toMatchObject({ tailers: [], stalled: [], oldestSilenceSeconds: 0 });
    const [stack, ...perTask] = watchMetricsLines(report).map((l) => JSON.parse(l));
    expect(perTask).toEqual([]);
    expect(stack).toMatchObject({
      _aws: { Timestamp: NOW, CloudWatchMetrics: [{ Namespace: "DTS", Dimensions: [[]] }] },
      [WATCH_METRICS.incrementalTasks]: 0,
      [WATCH_METRICS.stalledTailers]: 0,
      [WATCH_METRICS.oldestTailerSilence]: 0,
    });
    expect(stack).not.toHaveProperty("Task");
  });

  it("counts a tailer holding its lease as alive, and one whose lease ran out as silent since then", async () => {
    clock.now = NOW - 30 * MINUTE;
    await taskIn("orders", "incremental");
    await taskIn("billing", "incremental");
    clock.now = NOW - 5 * TTL;
    await stores.checkpoints.acquire("orders", "tailer-a", TTL);
    clock.now = NOW - 2000;
    await stores.checkpoints.acquire("billing", "tailer-b", TTL);
    clock.now = NOW;
    const report = await watch();
    expect(report.tailers).toEqual([
      { task: "billing", alive: true, silentSeconds: 0 },
      { task: "orders", alive: false, silentSeconds: 60 },
    ]);
    expect(report.stalled.map((t) => t.task)).toEqual(["orders"]);
    expect(report.oldestSilenceSeconds).toBe(60);
  });

  it("counts a task whose tailer never took its lease as silent since the task entered incremental migration", async () => {
    clock.now = NOW - 12 * MINUTE;
    await taskIn("orders", "incremental");
    clock.now = NOW - 30_000;
    await taskIn("fresh", "incremental");
    clock.now = NOW;
    const report = await watch();
    expect(report.stalled).toEqual([
      { task: "orders", alive: false, silentSeconds: 720 },
      { task: "fresh", alive: false, silentSeconds: 30 },
    ]);
    const lines = watchMetricsLines(report).map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({
      IncrementalTasks: 2,
      StalledTailers: 2,
      OldestTailerSilenceSeconds: 720,
    });
    expect(lines.slice(1)).toEqual(
      ["fresh", "orders"].map((task) =>
        expect.objectContaining({ Task: task, TailerSilenceSeconds: task === "orders" ? 720 : 30 }),
      ),
    );
  });
});

describe("RunTask's idempotency token", () => {
  const config = { cluster: "c", taskDefinition: "td", subnets: ["subnet-1"], securityGroups: ["sg-1"] };

  it("is the same for the same task and launch, different otherwise, and fits ECS (64 printable characters)", () => {
    const token = runTaskToken("orders", "arn:aws:states:eu-west-1:1:execution:M:orders-1");
    expect(token).toBe(runTaskToken("orders", "arn:aws:states:eu-west-1:1:execution:M:orders-1"));
    expect(token).not.toBe(runTaskToken("orders", "arn:aws:states:eu-west-1:1:execution:M:orders-2"));
    expect(token).not.toBe(runTaskToken("billing", "arn:aws:states:eu-west-1:1:execution:M:orders-1"));
    expect(runTaskToken("t".repeat(200), "k".repeat(500))).toMatch(/^[\x21-\x7e]{1,64}$/);
  });

  it("is sent with a keyed launch and left out of an unkeyed one (dts resume)", async () => {
    const sent: object[] = [];
    const launcher = ecsLauncher(config, async (input) => {
      sent.push({ ...input });
      return { tasks: [{ taskArn: "arn:aws:ecs:eu-west-1:1:task/c/abc" }], $metadata: {} };
    });
    expect(await launcher.launch("orders", "stopped-task-arn")).toMatchObject({
      mode: "ecs",
      id: "arn:aws:ecs:eu-west-1:1:task/c/abc",
    });
    await launcher.launch("orders");
    expect(sent[0]).toMatchObject({ clientToken: runTaskToken("orders", "stopped-task-arn"), count: 1 });
    expect(sent[1]).not.toHaveProperty("clientToken");
  });
});
