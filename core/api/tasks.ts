import { parseTaskSpec, specErrorFrom } from "../spec/load.ts";
import { parseSince } from "../store/task-history.ts";
import type { HistorySample, TaskRecord } from "../store/task-store.ts";
import { ApiError, ExecutionStartError, notFound } from "./errors.ts";
import type { TaskApiDeps } from "./ports.ts";
import { secretProblems } from "./secret-policy.ts";
import { type Resumption, TaskService } from "./task-service.ts";
import { type TaskSummary, type TaskView, taskSummary } from "./view.ts";

const TASK_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;

export interface CreatedTask {
  name: string;
  /** The execution that runs the task, when one started (a task past its full load starts only its tailer). */
  executionId?: string;
  /** The tailer started, when the task went on with incremental migration from its checkpoint. */
  tailer?: string;
  /** True when the task existed: it goes on from where it was (nothing copied is copied again). */
  restarted: boolean;
  message: string;
}

export interface StopOutcome {
  name: string;
  stopping: { executions: string[]; tailer: boolean };
  message: string;
}

export interface TaskHistory {
  name: string;
  /** Oldest first: when, latency (s), rows/s and rows applied by the tailer run that took it. */
  samples: HistorySample[];
}

export interface PrecheckOutcome {
  name: string;
  passed: boolean;
  counts: Record<string, number>;
  checks: { id: string; status: string; detail: string; fix?: string }[];
}

/**
 * The task operations behind the API (create, list, get, precheck, stop): the task service's
 * operations (core/api/task-service.ts, which the CLI calls too) in the API's words and statuses.
 * The same code answers in Lambda (Step Functions starts executions) and under `dts serve` (the
 * local runner).
 */
export class TaskApi {
  private readonly tasks: TaskService;

  constructor(private readonly deps: TaskApiDeps) {
    this.tasks = new TaskService({ ...deps, origin: "API" });
  }

  /**
   * POST /tasks: validates the spec and runs the task. A task that exists goes on from where it is
   * (core/task/lifecycle.ts), as POST /tasks/{name}/resume; 409 while it runs, and when going on
   * would load it again or lose changes.
   */
  async create(body: unknown): Promise<CreatedTask> {
    const spec = parseTaskSpec(body, "the request body");
    const problems = secretProblems(spec, this.deps.secrets);
    if (problems.length > 0) throw specErrorFrom(problems, "the request body");
    const existing = await this.tasks.find(spec.name);
    if (existing) await this.refuseWhileRunning(existing, "start it again");
    return this.goOn(spec.name, () => this.tasks.resume(spec), existing !== undefined);
  }

  /** POST /tasks/{name}/resume: goes on with a paused or failed task from its checkpoint. */
  async resume(name: string): Promise<CreatedTask> {
    const task = await this.find(name);
    await this.refuseWhileRunning(task, "resume it");
    const spec = parseTaskSpec(task.spec, `the stored spec of ${name}`);
    return this.goOn(name, () => this.tasks.resume(spec), true);
  }

  /**
   * POST /tasks/{name}/restart with {"fromScratch": true}: schema and full load again from a new
   * position (the body is the confirmation). 409 while the task runs.
   */
  async restart(name: string, body: unknown): Promise<CreatedTask> {
    const task = await this.find(name);
    if ((body as { fromScratch?: unknown } | null)?.fromScratch !== true)
      throw new ApiError(
        400,
        "InvalidRequest",
        'a restart loads the task again from scratch: send {"fromScratch": true} to confirm (POST /tasks/{name}/resume goes on from where it is)',
      );
    await this.refuseWhileRunning(task, "restart it");
    const spec = parseTaskSpec(task.spec, `the stored spec of ${name}`);
    return this.goOn(
      name,
      async () => ({
        kind: "execution-started" as const,
        executionId: await this.tasks.restart(spec),
        previous: task,
      }),
      true,
    );
  }

  /** DELETE /tasks/{name}: removes a paused or ended task's state; the destination's data stays. */
  async remove(name: string): Promise<{ name: string; message: string }> {
    await this.tasks.remove(await this.find(name));
    return { name, message: `task ${name} deleted; the destination's data is untouched` };
  }

  /** GET /tasks. */
  async list(): Promise<TaskSummary[]> {
    return (await this.tasks.list()).map(taskSummary);
  }

  /** GET /tasks/{name}. */
  async get(name: string): Promise<TaskView> {
    return this.tasks.view(await this.find(name));
  }

  /**
   * GET /tasks/{name}/history: the tailer's samples (one a minute, the last 24 hours at most),
   * after `since` (ISO time or epoch ms) when given, so a chart polls only what is new.
   */
  async history(name: string, since?: string): Promise<TaskHistory> {
    const after = parseSince(since);
    if (after instanceof Error) throw new ApiError(400, "InvalidRequest", after.message);
    await this.find(name);
    return { name, samples: await this.deps.store.history(name, after) };
  }

  /** POST /tasks/{name}/precheck: runs every check against the stored spec and stores the report. */
  async precheck(name: string): Promise<PrecheckOutcome> {
    const task = await this.find(name);
    await this.refuseWhileRunning(task, "precheck it");
    const spec = parseTaskSpec(task.spec, `the stored spec of ${name}`);
    const report = await this.deps.precheck(spec, { ownedTables: task.schema?.createdTables ?? [] });
    // A task that has not run yet is prechecked; any other keeps its phase (paused stays paused).
    if (["created", "prechecked", "precheck-failed"].includes(task.phase)) {
      await this.deps.store.setPhase(name, "prechecking");
      await this.deps.store.savePrecheck(name, report);
    } else await this.deps.store.saveOutcome(name, "precheck", report);
    return {
      name,
      passed: report.passed,
      counts: report.counts,
      checks: report.checks.map(({ id, status, detail, fix }) => ({
        id,
        status,
        detail,
        ...(fix ? { fix } : {}),
      })),
    };
  }

  /**
   * POST /tasks/{name}/pause (and its older name /stop): stops a running execution, asks the tailer
   * to stop gracefully (what it read is applied and checkpointed first) and pauses the task.
   */
  async pause(name: string): Promise<StopOutcome> {
    const task = await this.find(name);
    const { executions: stopped, tailer, paused } = await this.tasks.pause(task, "POST /tasks/{name}/pause");
    const parts: string[] = [];
    if (stopped) parts.push(stopped.note ?? `execution stopped (${stopped.stopped.length})`);
    if (tailer) parts.push(`tailer ${tailer.owner} asked to stop after checkpointing what it applied`);
    const message =
      parts.length > 0
        ? `pausing task ${name}: ${parts.join("; ")}. GET /tasks/${name} shows phase "paused"; POST /tasks/${name}/resume goes on`
        : paused
          ? `task ${name} paused (nothing was running); POST /tasks/${name}/resume goes on`
          : `task ${name} is ${task.phase}: nothing to pause`;
    return { name, stopping: { executions: stopped?.stopped ?? [], tailer: tailer !== undefined }, message };
  }

  /** Runs `start` and words what it did; a failed StartExecution is a 502 (the task is stored). */
  private async goOn(name: string, start: () => Promise<Resumption>, existed: boolean): Promise<CreatedTask> {
    let resumption: Resumption;
    try {
      resumption = await start();
    } catch (error) {
      if (!(error instanceof ExecutionStartError)) throw error;
      throw new ApiError(
        502,
        "StartExecutionFailed",
        `the task was stored but its execution did not start (${error.reason}); POST the spec again to retry`,
      );
    }
    const watch = `GET /tasks/${name} shows its phase and progress`;
    switch (resumption.kind) {
      case "execution-started":
        return {
          name,
          executionId: resumption.executionId,
          restarted: existed,
          message: `task ${name} started: ${watch}`,
        };
      case "tailer-restarted":
        return {
          name,
          tailer: resumption.launched.id,
          restarted: true,
          message: `task ${name} goes on with incremental migration from its checkpoint: ${watch}`,
        };
      default:
        return { name, restarted: true, message: `task ${name} is running already: ${watch}` };
    }
  }

  private async find(name: string): Promise<TaskRecord> {
    if (!TASK_NAME.test(name)) throw notFound(name);
    const task = await this.tasks.find(name);
    if (!task) throw notFound(name);
    return task;
  }

  /** 409 while an execution or the tailer runs: the spec must not change under them. */
  private async refuseWhileRunning(task: TaskRecord, action: string): Promise<void> {
    const { executions, tailer } = await this.tasks.activity(task.name);
    if (executions.length === 0 && !tailer) return;
    const what =
      executions.length > 0
        ? `its execution ${executions.join(", ")} is running`
        : `its tailer ${tailer?.owner} is running`;
    throw new ApiError(
      409,
      "TaskRunning",
      `task ${task.name} is running (${what}, phase ${task.phase}): pause it with POST /tasks/${task.name}/pause before you ${action}, or use another task name`,
    );
  }
}
