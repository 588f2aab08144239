import { FatalError } from "../errors.ts";
import type { TaskSpec } from "../spec/schema.ts";
import type { Checkpoint, CheckpointRecord } from "../store/checkpoint-store.ts";
import type { LedgerSummary } from "../store/chunk-ledger.ts";
import type { TaskRecord } from "../store/task-store.ts";
import { type LaunchedTailer, startTailer } from "../task/tailer-start.ts";
import { type LiveLease, tailerAlive } from "../task/tailer-state.ts";
import { ExecutionStartError } from "./errors.ts";
import type { TaskServiceDeps } from "./ports.ts";
import { type TaskView, tailerView, taskView } from "./view.ts";

/** The tailer holding the task's lease: its checkpoint record, with an owner and an expiry to come. */
export type LiveTailer = LiveLease<CheckpointRecord>;

/** What `resume` did: nothing (the tailer runs), restarted the tailer, or started an execution. */
export type Resumption =
  | { kind: "tailer-running"; tailer: LiveTailer }
  | { kind: "tailer-restarted"; launched: LaunchedTailer }
  | {
      kind: "execution-started";
      executionId: string;
      /** The task as it was before this run (undefined for a new task). */
      previous: TaskRecord | undefined;
    };

/** What `stop` asked to stop: the running executions (and how their stop takes effect), the live tailer. */
export interface StopRequest {
  executions: { stopped: string[]; note?: string | undefined } | undefined;
  tailer: LiveTailer | undefined;
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

  /** Every task's view; which executions run is not asked (that is a call per task). */
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
   * Goes on with a task from where it is (`dts run`): a live tailer is left alone; a task in
   * incremental migration whose tailer holds no lease (it is reconnecting, or it died) gets its
   * tailer restarted, which goes on from the checkpoint (running the full load again would resend,
   * or rewrite, everything); any other task gets an execution.
   */
  async resume(spec: TaskSpec): Promise<Resumption> {
    const tailer = await this.liveTailer(spec.name);
    if (tailer) return { kind: "tailer-running", tailer };
    const previous = await this.deps.store.get(spec.name);
    if (previous?.phase === "incremental") {
      const launcher = this.deps.launcher;
      if (!launcher)
        throw new FatalError(
          `no tailer launcher is configured here: the tailer of ${spec.name} cannot restart`,
        );
      const launched = await startTailer(spec.name, {
        checkpoints: this.deps.checkpoints,
        store: this.deps.store,
        launcher,
      });
      return { kind: "tailer-restarted", launched };
    }
    return { kind: "execution-started", executionId: await this.startExecution(spec), previous };
  }

  /**
   * Stops the task's running executions and asks its live tailer to stop gracefully (what it read
   * is applied and checkpointed first; the tailer then sets the phase to stopped). A task whose
   * executions were stopped at once, with no tailer, is stopped here.
   */
  async stop(task: TaskRecord, reason: string): Promise<StopRequest> {
    const { name } = task;
    const running = await this.deps.executions.running(name);
    const executions = running.length > 0 ? await this.deps.executions.stop(name, reason) : undefined;
    const tailer = await this.liveTailer(name);
    if (tailer) await this.deps.checkpoints.requestStop(name);
    if (running.length > 0 && !tailer && executions?.note === undefined) {
      await this.deps.store.setPhase(name, "stopped");
    }
    return { executions, tailer };
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
