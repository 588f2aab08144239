import { FatalError, LifecycleRefusal } from "../errors.ts";
import { ACTIVE_PHASES } from "../model/phase.ts";
import type { TaskSpec } from "../spec/schema.ts";
import type { Checkpoint, CheckpointRecord } from "../store/checkpoint-store.ts";
import type { LedgerSummary } from "../store/chunk-ledger.ts";
import type { TaskRecord } from "../store/task-store.ts";
import { resumeAction } from "../task/lifecycle.ts";
import { type LaunchedTailer, startTailer } from "../task/tailer-start.ts";
import { type LiveLease, tailerAlive } from "../task/tailer-state.ts";
import { ExecutionStartError } from "./errors.ts";
import type { TaskServiceDeps } from "./ports.ts";
import { type TaskView, tailerView, taskView } from "./view.ts";

/** The tailer holding the task's lease: its checkpoint record, with an owner and an expiry to come. */
export type LiveTailer = LiveLease<CheckpointRecord>;

/** What `run`/`resume` did: nothing (something runs), started the tailer, or started an execution. */
export type Resumption =
  | { kind: "tailer-running"; tailer: LiveTailer }
  | { kind: "execution-running"; executions: string[] }
  | { kind: "tailer-restarted"; launched: LaunchedTailer }
  | {
      kind: "execution-started";
      executionId: string;
      /** The task as it was before this run (undefined for a new task). */
      previous: TaskRecord | undefined;
    };

/** What `pause` asked to stop: the running executions (and how their stop takes effect), the live tailer. */
export interface StopRequest {
  executions: { stopped: string[]; note?: string | undefined } | undefined;
  tailer: LiveTailer | undefined;
  /** True when this call paused the task; false when it was completed, failed or paused already. */
  paused: boolean;
}

/** What is running for a task: its executions (ids) and the tailer holding its lease. */
export interface TaskActivity {
  executions: string[];
  tailer: LiveTailer | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The task operations both front doors share, over ports: TaskApi (the REST API, `dts serve`)
 * and the CLI (`dts run`, `dts stop`, `dts status`) call these and only word the answers their
 * own way. Whether a tailer is alive is core/task/tailer-state.ts; starting one is
 * core/task/tailer-start.ts.
 */
export class TaskService {
  private readonly now: () => number;

  constructor(private readonly deps: TaskServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  find(name: string): Promise<TaskRecord | undefined> {
    return this.deps.store.get(name);
  }

  /** The tailer holding the task's lease now, or undefined when none is alive. */
  async liveTailer(name: string): Promise<LiveTailer | undefined> {
    const holder = await this.deps.checkpoints.read(name);
    return tailerAlive(holder, this.now()) ? holder : undefined;
  }

  /** The task's checkpoint: the position after the last transaction applied (or passed). */
  async checkpoint(name: string): Promise<Checkpoint | undefined> {
    return (await this.deps.checkpoints.read(name))?.checkpoint;
  }

  /** The task's executions that have not ended, and its live tailer. */
  async activity(name: string): Promise<TaskActivity> {
    const [executions, tailer] = await Promise.all([
      this.deps.executions.running(name),
      this.liveTailer(name),
    ]);
    return { executions, tailer };
  }

  /** Full-load progress from the chunk ledger (the CLI's progress bar). */
  progress(name: string): Promise<LedgerSummary> {
    return this.deps.ledger.summary(name);
  }

  /** The task as GET /tasks/{name} and `dts status` show it, with its running executions and tailer. */
  async view(task: TaskRecord): Promise<TaskView> {
    return this.build(task, await this.deps.executions.running(task.name));
  }

  /**
   * Every task's view; which executions run is not asked (that is a call per task), and the store
   * lists tasks without their bulky fields (precheck report, schema, index builds: null here).
   */
  async list(): Promise<TaskView[]> {
    const tasks = await this.deps.store.list();
    return Promise.all(tasks.map((task) => this.build(task, [])));
  }

  /**
   * Stores the spec (a new task, or a new spec for an existing one) and starts an execution of the
   * state machine for it: precheck, schema, full load (an unfinished one goes on from its chunk
   * ledger), then the tailer. Returns the execution's id; ExecutionStartError (stored on the task
   * as StartExecutionFailed) when it did not start.
   */
  async startExecution(spec: TaskSpec): Promise<string> {
    await this.deps.store.saveSpec(spec);
    try {
      return (await this.deps.executions.start(spec)).executionId;
    } catch (error) {
      const failure = new ExecutionStartError(spec.name, error);
      await this.deps.store
        .recordFailure(spec.name, {
          error: "StartExecutionFailed",
          cause: failure.reason,
          state: this.deps.origin,
        })
        .catch(() => undefined);
      throw failure;
    }
  }

  /**
   * `dts run`, `dts resume`, POST /tasks: goes on with the task from where it is
   * (core/task/lifecycle.ts decides): a new task runs; a running one is left alone; one whose steps
   * before incremental migration are done gets its tailer started from its checkpoint; any other
   * runs the state machine again, each step keeping what was done. LifecycleRefusal when going on
   * would load the data again or skip changes (completed, purged binlog, another selection).
   */
  async resume(spec: TaskSpec): Promise<Resumption> {
    const previous = await this.deps.store.get(spec.name);
    const { executions, tailer } = await this.activity(spec.name);
    const action = resumeAction(previous, spec, {
      executions: executions.length,
      tailer: tailer !== undefined,
    });
    switch (action.kind) {
      case "refuse":
        throw new LifecycleRefusal(action.reason);
      case "running":
        return tailer ? { kind: "tailer-running", tailer } : { kind: "execution-running", executions };
      case "start-tailer": {
        await this.deps.store.saveSpec(spec);
        return { kind: "tailer-restarted", launched: await this.launchTailer(spec.name) };
      }
      default:
        return { kind: "execution-started", executionId: await this.startExecution(spec), previous };
    }
  }

  /**
   * `dts restart --from-scratch`: forgets what the task did (position, full load, checkpoint,
   * chunk ledger; the tables it created are recreated) and runs it from the start with `spec`.
   * Refused while anything of the task runs: pause it first.
   */
  async restart(spec: TaskSpec): Promise<string> {
    const { executions, tailer } = await this.activity(spec.name);
    if (executions.length > 0 || tailer)
      throw new LifecycleRefusal(
        `task ${spec.name} is running: \`dts pause ${spec.name}\` first, then restart it`,
      );
    if (await this.deps.store.get(spec.name)) {
      await this.deps.store.saveSpec(spec);
      await this.deps.store.restart(spec.name);
      await this.deps.ledger.replace(spec.name, []);
      await this.deps.checkpoints.reset(spec.name);
    }
    return this.startExecution(spec);
  }

  /**
   * `dts pause`: stops the task's running executions, asks its live tailer to stop gracefully
   * (what it read is applied and checkpointed first) and moves the task to paused, so no step
   * still running moves it on and nothing relaunches its tailer. `dts resume` goes on from there.
   */
  async pause(task: TaskRecord, reason: string): Promise<StopRequest> {
    const { name } = task;
    const running = await this.deps.executions.running(name);
    const executions = running.length > 0 ? await this.deps.executions.stop(name, reason) : undefined;
    const tailer = await this.liveTailer(name);
    if (tailer || task.phase === "incremental") await this.deps.checkpoints.requestStop(name);
    const paused = ACTIVE_PHASES.includes(task.phase);
    if (paused) await this.deps.store.setPhase(name, "paused");
    return { executions, tailer, paused };
  }

  /**
   * `dts delete`: removes the task's state (record, chunk ledger, checkpoint); the destination's
   * data stays. Refused while anything runs or the task is in an active phase: pause it first.
   */
  async remove(task: TaskRecord): Promise<void> {
    const { name } = task;
    const { executions, tailer } = await this.activity(name);
    const busy = ACTIVE_PHASES.includes(task.phase) && !["created", "prechecked"].includes(task.phase);
    if (executions.length > 0 || tailer || busy)
      throw new LifecycleRefusal(
        `task ${name} is ${tailer || executions.length > 0 ? "running" : task.phase}: \`dts pause ${name}\` first, then delete it`,
      );
    await this.deps.checkpoints.remove(name);
    await this.deps.ledger.replace(name, []);
    await this.deps.store.remove(name);
  }

  private launchTailer(name: string): Promise<LaunchedTailer> {
    const launcher = this.deps.launcher;
    if (!launcher)
      throw new FatalError(`no tailer launcher is configured here: the tailer of ${name} cannot start`);
    return startTailer(
      name,
      { checkpoints: this.deps.checkpoints, store: this.deps.store, launcher },
      "resume",
    );
  }

  /**
   * Waits until the task's tailer holds no lease any more (stopped, or its lease ran out), for at
   * most `timeoutMs`; tells whether it stopped and the checkpoint it left.
   */
  async awaitTailerStop(
    name: string,
    timeoutMs: number,
  ): Promise<{ stopped: boolean; checkpoint?: Checkpoint | undefined }> {
    const deadline = this.now() + timeoutMs;
    while (this.now() < deadline) {
      const holder = await this.deps.checkpoints.read(name);
      if (!tailerAlive(holder, this.now())) return { stopped: true, checkpoint: holder?.checkpoint };
      await sleep(250);
    }
    return { stopped: false };
  }

  private async build(task: TaskRecord, executions: string[]): Promise<TaskView> {
    // A running full load is read from the ledger; a finished one from the task record.
    const summary =
      task.fullLoad && !task.fullLoad.completedAt ? await this.deps.ledger.summary(task.name) : undefined;
    const tailer = await this.liveTailer(task.name);
    return taskView({
      task,
      summary,
      executions,
      tailer: tailer ? tailerView(tailer) : null,
      now: this.now(),
    });
  }
}
