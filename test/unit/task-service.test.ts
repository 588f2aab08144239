import { describe, expect, it } from "vitest";
import type { ExecutionStarter } from "#core/api/ports.ts";
import { TaskService } from "#core/api/task-service.ts";
import { TaskApi } from "#core/api/tasks.ts";
import type { TaskSpec } from "#core/spec/schema.ts";
import { memoryStores } from "#core/store/memory.ts";
import type { Phase } from "#core/task/phases.ts";
import { type LaunchedTailer, startTailer, type TailerLauncher } from "#core/task/tailer-start.ts";
import { tailerAlive } from "#core/task/tailer-state.ts";
import { spec } from "../support/spec-fixtures.ts";

const NOW = Date.UTC(2031, 0, 1);
const TASK = "service-unit";

/** Executions that only record what they were asked. */
class FakeExecutions implements ExecutionStarter {
  started: TaskSpec[] = [];
  live: string[] = [];
  note: string | undefined;
  failWith: Error | undefined;

  async start(task: TaskSpec) {
    if (this.failWith) throw this.failWith;
    this.started.push(task);
    this.live = [`execution-${this.started.length}`];
    return { executionId: `execution-${this.started.length}` };
  }
  async running() {
    return this.live;
  }
  async stop() {
    const stopped = this.live;
    this.live = [];
    return { stopped, note: this.note };
  }
}

class FakeLauncher implements TailerLauncher {
  launched: string[] = [];
  async launch(task: string): Promise<LaunchedTailer> {
    this.launched.push(task);
    return { mode: "local", id: "4242", alreadyRunning: false };
  }
}

function setup(clock: { now: number } = { now: NOW }) {
  const now = () => clock.now;
  const stores = memoryStores(now);
  const executions = new FakeExecutions();
  const launcher = new FakeLauncher();
  const deps = {
    store: stores.tasks,
    ledger: stores.ledger,
    checkpoints: stores.checkpoints,
    executions,
    now,
  };
  const service = new TaskService({ ...deps, launcher, origin: "CLI" });
  const api = new TaskApi({
    ...deps,
    precheck: async () => {
      throw new Error("not used");
    },
    secrets: { requireSecretArns: false },
  });
  return { ...stores, executions, launcher, service, api, clock };
}

async function taskIn(s: ReturnType<typeof setup>, phase: Phase): Promise<void> {
  await s.tasks.saveSpec(spec({ name: TASK }));
  await s.tasks.setPhase(TASK, phase);
}

describe("whether a task's tailer is alive (one rule)", () => {
  it("is alive while the lease has an owner and has not expired", () => {
    expect(tailerAlive(undefined, NOW)).toBe(false);
    expect(tailerAlive({}, NOW)).toBe(false);
    expect(tailerAlive({ owner: "", expiresAt: NOW + 1 }, NOW)).toBe(false);
    expect(tailerAlive({ expiresAt: NOW + 1000 }, NOW)).toBe(false);
    expect(tailerAlive({ owner: "host:1" }, NOW)).toBe(false);
    expect(tailerAlive({ owner: "host:1", expiresAt: NOW - 1 }, NOW)).toBe(false);
    expect(tailerAlive({ owner: "host:1", expiresAt: NOW }, NOW)).toBe(false);
    expect(tailerAlive({ owner: "host:1", expiresAt: NOW + 1 }, NOW)).toBe(true);
  });

  it("is what the API's view and the service see", async () => {
    const s = setup();
    await taskIn(s, "incremental");
    await s.checkpoints.acquire(TASK, "host:1", 5000);
    expect((await s.service.liveTailer(TASK))?.owner).toBe("host:1");
    expect((await s.api.get(TASK)).running.tailer).toEqual({
      owner: "host:1",
      leaseExpiresAt: new Date(NOW + 5000).toISOString(),
    });
    s.clock.now = NOW + 5000;
    expect(await s.service.liveTailer(TASK)).toBeUndefined();
    expect((await s.api.get(TASK)).running.tailer).toBeNull();
  });
});

describe("starting a task's tailer (one way)", () => {
  it("withdraws an earlier stop, launches the tailer and sets the phase incremental", async () => {
    const s = setup();
    await taskIn(s, "full-load");
    await s.checkpoints.requestStop(TASK);
    const launched = await startTailer(TASK, {
      store: s.tasks,
      checkpoints: s.checkpoints,
      launcher: s.launcher,
    });
    expect(launched).toEqual({ mode: "local", id: "4242", alreadyRunning: false });
    expect(s.launcher.launched).toEqual([TASK]);
    expect((await s.checkpoints.read(TASK))?.stopRequested).toBeUndefined();
    expect((await s.tasks.get(TASK))?.phase).toBe("incremental");
  });
});

describe("resuming a task (dts run)", () => {
  it("leaves a live tailer alone", async () => {
    const s = setup();
    await taskIn(s, "incremental");
    await s.checkpoints.acquire(TASK, "host:1", 5000);
    const resumption = await s.service.resume(spec({ name: TASK }));
    expect(resumption).toMatchObject({ kind: "tailer-running", tailer: { owner: "host:1" } });
    expect(s.launcher.launched).toEqual([]);
    expect(s.executions.started).toEqual([]);
  });

  it("restarts the tailer of a task in incremental migration whose lease ran out", async () => {
    const s = setup();
    await taskIn(s, "incremental");
    await s.checkpoints.acquire(TASK, "host:1", 5000);
    await s.checkpoints.requestStop(TASK);
    s.clock.now = NOW + 6000;
    const resumption = await s.service.resume(spec({ name: TASK }));
    expect(resumption).toEqual({
      kind: "tailer-restarted",
      launched: { mode: "local", id: "4242", alreadyRunning: false },
    });
    expect(s.executions.started).toEqual([]);
    expect((await s.checkpoints.read(TASK))?.stopRequested).toBeUndefined();
  });

  it("starts an execution for any other task, and says how it was before", async () => {
    const s = setup();
    await taskIn(s, "failed");
    await s.tasks.recordFailure(TASK, { error: "Boom", cause: "it broke" });
    const resumption = await s.service.resume(spec({ name: TASK }));
    expect(resumption).toMatchObject({
      kind: "execution-started",
      executionId: "execution-1",
      previous: { phase: "failed", lastError: { error: "Boom", cause: "it broke" } },
    });
    expect(s.executions.started.map((t) => t.name)).toEqual([TASK]);
    // The spec is stored again: the last error goes with it.
    expect((await s.tasks.get(TASK))?.lastError).toBeUndefined();

    const fresh = setup();
    expect(await fresh.service.resume(spec({ name: "brand-new" }))).toMatchObject({
      kind: "execution-started",
      previous: undefined,
    });
    expect((await fresh.tasks.get("brand-new"))?.phase).toBe("created");
  });

  it("stores a failure to start the execution on the task, named after the front door", async () => {
    const s = setup();
    s.executions.failWith = new Error("throttled");
    await expect(s.service.resume(spec({ name: TASK }))).rejects.toThrow(
      `the task ${TASK} was stored but its execution did not start (throttled)`,
    );
    expect((await s.tasks.get(TASK))?.lastError).toMatchObject({
      error: "StartExecutionFailed",
      cause: "throttled",
      state: "CLI",
    });
    await expect(s.api.create(spec({ name: TASK }))).rejects.toMatchObject({
      status: 502,
      code: "StartExecutionFailed",
      message:
        "the task was stored but its execution did not start (throttled); POST the spec again to retry",
    });
    expect((await s.tasks.get(TASK))?.lastError?.state).toBe("API");
  });
});

describe("stopping a task", () => {
  it("asks a live tailer to stop, then sees its lease released with the checkpoint it left", async () => {
    const s = setup();
    await taskIn(s, "incremental");
    const lease = await s.checkpoints.acquire(TASK, "host:1", 5000);
    const position = { file: "binlog.000002", position: 4711 };
    await s.checkpoints.save(lease, { position, sourceTimestamp: NOW, updatedAt: "now" });
    const task = await s.service.find(TASK);
    if (!task) throw new Error("the task is missing");
    const request = await s.service.stop(task, "test");
    expect(request).toMatchObject({ executions: undefined, tailer: { owner: "host:1" } });
    expect((await s.checkpoints.read(TASK))?.stopRequested).toBe(true);
    await s.checkpoints.release(lease);
    expect(await s.service.awaitTailerStop(TASK, 1000)).toEqual({
      stopped: true,
      checkpoint: { position, sourceTimestamp: NOW, updatedAt: "now" },
    });
  });

  it("gives up waiting for a tailer that keeps its lease", async () => {
    const s = setup({
      get now() {
        return Date.now();
      },
    });
    await taskIn(s, "incremental");
    await s.checkpoints.acquire(TASK, "host:1", 60_000);
    const started = Date.now();
    expect(await s.service.awaitTailerStop(TASK, 300)).toEqual({ stopped: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it("sets the phase stopped when executions stopped at once and no tailer runs", async () => {
    const s = setup();
    await taskIn(s, "full-load");
    s.executions.live = ["execution-9"];
    const outcome = await s.api.stop(TASK);
    expect(outcome.stopping).toEqual({ executions: ["execution-9"], tailer: false });
    expect((await s.tasks.get(TASK))?.phase).toBe("stopped");
  });

  it("leaves the phase to the execution when its stop takes effect later", async () => {
    const s = setup();
    await taskIn(s, "full-load");
    s.executions.live = ["execution-9"];
    s.executions.note = "later";
    const outcome = await s.api.stop(TASK);
    expect(outcome.message).toBe(
      `stopping task ${TASK}: later. GET /tasks/${TASK} shows phase "stopped" once it is done`,
    );
    expect((await s.tasks.get(TASK))?.phase).toBe("full-load");
  });
});
