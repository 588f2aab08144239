import { BinlogPurgedError } from "../errors.ts";
import type { TaskSpec } from "../spec/schema.ts";
import type { TaskRecord } from "../store/task-store.ts";

/*
 * How a task goes on, decided in one place. The phases and their moves are core/model/phase.ts
 * (the stores enforce them); this module says what `dts run`, `dts resume` and the API do with a
 * task that exists, and what each step of the state machine keeps from an earlier run. The one
 * rule behind all of it: once a task has captured its binlog position, nothing but
 * `dts restart --from-scratch` captures another or loads the data again.
 */

/** The error name a tailer records when the binlog it needs was purged (the one unrecoverable case). */
const BINLOG_PURGED = BinlogPurgedError.name;

/** What is running for the task now. */
export interface Running {
  executions: number;
  tailer: boolean;
}

/** What going on with a task means. */
export type ResumeAction =
  /** Nothing runs and nothing was done: a first run of the state machine. */
  | { kind: "run" }
  /** Something of the task runs already: nothing to do. */
  | { kind: "running"; what: "execution" | "tailer" }
  /** Everything before incremental migration is done: only the tailer starts, from its checkpoint. */
  | { kind: "start-tailer" }
  /** The state machine runs again; each step keeps what an earlier run did (see the rules below). */
  | { kind: "continue" }
  /** Going on would redo or lose something: `reason` says which command does what the user wants. */
  | { kind: "refuse"; reason: string };

/** Whether the task captured a position: from then on its data has a starting point to keep. */
export function started(task: TaskRecord): boolean {
  return task.position !== undefined;
}

/** Whether every step before the tailer has ended for this task. */
export function readyForTailer(task: TaskRecord): boolean {
  const types = task.spec.migrationTypes;
  if (!types.includes("incremental") || !task.position) return false;
  if (types.includes("schema") && !task.schema?.completedAt) return false;
  if (types.includes("full")) {
    if (!task.fullLoad?.completedAt) return false;
    const deferred = task.schema?.deferredIndexes?.length ?? 0;
    if (deferred > 0 && !task.indexes?.completedAt) return false;
  }
  return true;
}

/**
 * What `dts resume` (and `dts run`, and POST /tasks for a task that exists) does with `task`
 * given the spec it is asked to run with and what runs now.
 */
export function resumeAction(task: TaskRecord | undefined, spec: TaskSpec, running: Running): ResumeAction {
  if (!task) return { kind: "run" };
  if (running.tailer) return { kind: "running", what: "tailer" };
  if (running.executions > 0) return { kind: "running", what: "execution" };
  const name = task.name;
  if (task.phase === "completed")
    return {
      kind: "refuse",
      reason: `task ${name} is completed; \`dts restart ${name} --from-scratch\` runs it again from the start (schema, full load)`,
    };
  if (task.lastError?.error === BINLOG_PURGED && task.phase === "failed")
    return {
      kind: "refuse",
      reason: `task ${name} cannot go on: ${task.lastError.cause}. \`dts restart ${name} --from-scratch\` loads the data again from a new position`,
    };
  if (!started(task)) return { kind: "run" };
  const changed = selectionChange(task, spec);
  if (changed)
    return {
      kind: "refuse",
      reason: `the spec of ${name} now ${changed} than the task was loaded with: going on would leave the destination inconsistent. \`dts restart ${name} --from-scratch\` loads it again with the new spec; or give the new spec another name`,
    };
  return readyForTailer(task) ? { kind: "start-tailer" } : { kind: "continue" };
}

/**
 * How the selection of `spec` differs from the one the task's data was loaded with, or undefined.
 * The migration types and the selection (objects, mapping, capitalization, ETL, chunking) must stay;
 * connection details, parallelism, retry window, alerts may change on resume.
 */
export function selectionChange(task: TaskRecord, spec: TaskSpec): string | undefined {
  const before = task.spec;
  if ([...before.migrationTypes].sort().join() !== [...spec.migrationTypes].sort().join())
    return "selects other migration types";
  if (canonical(selection(before)) !== canonical(selection(spec)))
    return "selects other objects, rows or ETL";
  if (canonical(destinationIdentity(before)) !== canonical(destinationIdentity(spec)))
    return "names another destination";
  return undefined;
}

/** What decides which rows arrive and how they look. */
function selection(spec: TaskSpec): unknown {
  return { objects: spec.objects, capitalization: spec.capitalization, etl: spec.etl };
}

/** JSON with object keys sorted: a stored spec comes back from DynamoDB with its keys reordered. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Where the data goes, without credentials (a new password is fine, another server is not). */
function destinationIdentity(spec: TaskSpec): unknown {
  const d = spec.destination;
  if (d.type === "kafka") return { type: d.type, topic: d.topic, format: d.format };
  return { type: d.type, host: d.host, port: d.port };
}

/* ---- What each step keeps from an earlier run of the same task ---- */

/** CapturePosition: a task that has a position keeps it (its changes since then are not lost). */
export function positionRule(task: TaskRecord | undefined): "keep" | "capture" {
  return task?.position ? "keep" : "capture";
}

/**
 * Schema: a finished schema step is not run again. An unfinished one may recreate the tables the
 * task created only while no chunk has been copied into them.
 */
export function schemaRule(
  task: TaskRecord | undefined,
  spec: TaskSpec,
): "done" | { recreateOwned: boolean } {
  if (task?.schema?.completedAt) return "done";
  return { recreateOwned: spec.migrationTypes.includes("full") && task?.fullLoad === undefined };
}

/**
 * PlanChunks: a finished full load is not planned again; an unfinished one goes on from its chunk
 * ledger, planning included (the selection cannot have changed: resumeAction refuses that; new
 * chunk sizes apply to the tables not planned yet); only a task without one (new, or restarted
 * from scratch) plans a new load.
 */
export function planRule(task: TaskRecord | undefined): "done" | "resume" | "new" {
  const fullLoad = task?.fullLoad;
  if (!fullLoad) return "new";
  return fullLoad.completedAt ? "done" : "resume";
}
