import { parseTaskSpec, specErrorFrom } from "../spec/load.ts";
import type { TaskRecord } from "../store/task-store.ts";
import { ApiError, ExecutionStartError, notFound } from "./errors.ts";
import type { TaskApiDeps } from "./ports.ts";
import { secretProblems } from "./secret-policy.ts";
import { TaskService } from "./task-service.ts";
import { type TaskSummary, type TaskView, taskSummary } from "./view.ts";

const TASK_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;

export interface CreatedTask {
  name: string;
  /** The execution that runs the task (precheck, schema, full load, then the tailer). */
  executionId: string;
  /** True when the task existed: the execution resumes it (chunks already copied are kept). */
  restarted: boolean;
  message: string;
}

export interface StopOutcome {
  name: string;
  stopping: { executions: string[]; tailer: boolean };
  message: string;
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

  /** POST /tasks: validates the spec, stores it and starts an execution. */
  async create(body: unknown): Promise<CreatedTask> {
    const spec = parseTaskSpec(body, "the request body");
    const problems = secretProblems(spec, this.deps.secrets);
    if (problems.length > 0) throw specErrorFrom(problems, "the request body");
    const existing = await this.tasks.find(spec.name);
    if (existing) await this.refuseWhileRunning(existing, "start it again");
    let executionId: string;
    try {
      executionId = await this.tasks.startExecution(spec);
    } catch (error) {
      if (!(error instanceof ExecutionStartError)) throw error;
      throw new ApiError(
        502,
        "StartExecutionFailed",
        `the task was stored but its execution did not start (${error.reason}); POST the spec again to retry`,
      );
    }
    return {
      name: spec.name,
      executionId,
      restarted: existing !== undefined,
      message: `task ${spec.name} started: GET /tasks/${spec.name} shows its phase and progress`,
    };
  }

  /** GET /tasks. */
  async list(): Promise<TaskSummary[]> {
    return (await this.tasks.list()).map(taskSummary);
  }

  /** GET /tasks/{name}. */
  async get(name: string): Promise<TaskView> {
    return this.tasks.view(await this.find(name));
  }

  /** POST /tasks/{name}/precheck: runs every check against the stored spec and stores the report. */
  async precheck(name: string): Promise<PrecheckOutcome> {
    const task = await this.find(name);
    await this.refuseWhileRunning(task, "precheck it");
    const spec = parseTaskSpec(task.spec, `the stored spec of ${name}`);
    const report = await this.deps.precheck(spec, { ownedTables: task.schema?.createdTables ?? [] });
    await this.deps.store.savePrecheck(name, report);
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
   * POST /tasks/{name}/stop: stops a running execution and asks the tailer to stop gracefully
   * (what it read is applied and checkpointed first). The tailer sets the phase to stopped.
   */
  async stop(name: string): Promise<StopOutcome> {
    const task = await this.find(name);
    const { executions: stopped, tailer } = await this.tasks.stop(task, "POST /tasks/{name}/stop");
    const parts: string[] = [];
    if (stopped) parts.push(stopped.note ?? `execution stopped (${stopped.stopped.length})`);
    if (tailer) parts.push(`tailer ${tailer.owner} asked to stop after checkpointing what it applied`);
    const message =
      parts.length > 0
        ? `stopping task ${name}: ${parts.join("; ")}. GET /tasks/${name} shows phase "stopped" once it is done`
        : `task ${name} has nothing running (phase ${task.phase}): nothing to stop`;
    return { name, stopping: { executions: stopped?.stopped ?? [], tailer: tailer !== undefined }, message };
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
      `task ${task.name} is running (${what}, phase ${task.phase}): stop it with POST /tasks/${task.name}/stop before you ${action}, or use another task name`,
    );
  }
}
