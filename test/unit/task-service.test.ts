import { describe, expect, it } from "vitest";
import type { ExecutionStarter } from "#core/api/ports.ts";
import { TaskService } from "#core/api/task-service.ts";
import { TaskApi } from "#core/api/tasks.ts";
import { planId } from "#core/fullload/service.ts";
import type { Phase } from "#core/model/phase.ts";
import type { TaskSpec } from "#core/spec/schema.ts";
import { memoryStores } from "#core/store/memory.ts";
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

/** A task record in `phase` (written as the record a store would hold, moves aside). */
async function taskIn(s: ReturnType<typeof setup>, phase: Phase): Promise<void> {
  await s.tasks.saveSpec(spec({ name: TASK }));
  await s.tasks.setPhase(TASK, "prechecking");
  await s.tasks.setPhase(TASK, phase === "prechecking" ? phase : "failed");
  if (phase !== "failed" && phase !== "prechecking") await forcePhase(s, phase);
}

/** Puts the record in any phase, as a crashed run may have left it. */
async function forcePhase(s: ReturnType<typeof setup>, phase: Phase): Promise<void> {
  const record = (s.tasks as unknown as { tasks: Map<string, { phase: Phase }> }).tasks.get(TASK);
  if (!record) throw new Error("no task record");
  record.phase = phase;
}

/** The task captured its position and finished schema and full load (what the tailer needs). */
async function pastFullLoad(s: ReturnType<typeof setup>): Promise<void> {
  const at = "2031-01-01T00:00:00.000Z";
  await s.tasks.saveOutcome(TASK, "position", { file: "binlog.000001", position: 4, capturedAt: at });
  await s.tasks.saveOutcome(TASK, "schema", { createdTables: [], notes: [], completedAt: at });
  const planned = { planId: planId(spec({ name: TASK })), chunks: 1, estimatedRows: 1, startedAt: at };
  await s.tasks.saveOutcome(TASK, "fullLoad", { ...planned, completedAt: at, rows: 1 });
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
    const launched = await startTailer(
      TASK,
      {
        store: s.tasks,
        checkpoints: s.checkpoints,
        launcher: s.launcher,
      },
      "resume",
    );
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
    await pastFullLoad(s);
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

describe("pausing a task", () => {
  it("asks a live tailer to stop, pauses the task, then sees the lease released with the checkpoint it left", async () => {
    const s = setup();
    await taskIn(s, "incremental");
    const lease = await s.checkpoints.acquire(TASK, "host:1", 5000);
    const position = { file: "binlog.000002", position: 4711 };
    await s.checkpoints.save(lease, { position, sourceTimestamp: NOW, updatedAt: "now" });
    const task = await s.service.find(TASK);
    if (!task) throw new Error("the task is missing");
    const request = await s.service.pause(task, "test");
    expect(request).toMatchObject({ executions: undefined, tailer: { owner: "host:1" }, paused: true });
    expect((await s.checkpoints.read(TASK))?.stopRequested).toBe(true);
    expect((await s.tasks.get(TASK))?.phase).toBe("paused");
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

  it("pauses a task whose executions stop, at once or later: no step still running moves it on", async () => {
    for (const note of [undefined, "later"]) {
      const s = setup();
      await taskIn(s, "full-load");
      s.executions.live = ["execution-9"];
      s.executions.note = note;
      const outcome = await s.api.pause(TASK);
      expect(outcome.stopping).toEqual({ executions: ["execution-9"], tailer: false });
      expect((await s.tasks.get(TASK))?.phase).toBe("paused");
      // The step that was running tries to move the task on when it ends: refused.
      await expect(s.tasks.setPhase(TASK, "building-indexes")).rejects.toThrow(
        `task ${TASK} is paused: it cannot move to building-indexes (\`dts resume ${TASK}\` goes on with it)`,
      );
    }
  });

  it("has nothing to pause on a completed task", async () => {
    const s = setup();
    await taskIn(s, "completed");
    expect((await s.api.pause(TASK)).message).toBe(`task ${TASK} is completed: nothing to pause`);
    expect((await s.tasks.get(TASK))?.phase).toBe("completed");
  });
});
