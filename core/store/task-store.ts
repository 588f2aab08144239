import { FatalError } from "../errors.ts";
import type { Phase } from "../model/phase.ts";
import type { BinlogPosition } from "../model/position.ts";
import type { PrecheckReport } from "../model/precheck-report.ts";
import { redactText } from "../redact.ts";
import type { TaskSpec } from "../spec/schema.ts";

/**
 * The task as operators see it: spec, phase, precheck report, last error, timestamps. Stores keep
 * it in several items (core/store/task-items.ts) and `get` assembles it whole.
 */
export interface TaskRecord {
  name: string;
  spec: TaskSpec;
  phase: Phase;
  createdAt: string;
  updatedAt: string;
  precheck?: PrecheckReport;
  lastError?: { error: string; cause: string; state?: string; at: string };
  /** Where incremental migration starts: captured before the first chunk was read. */
  position?: BinlogPosition & { capturedAt: string };
  schema?: SchemaOutcome;
  fullLoad?: FullLoadOutcome;
  /** The deferred secondary indexes, built after the full load. */
  indexes?: IndexesOutcome;
  incremental?: IncrementalOutcome;
  /**
   * The supervisor's record of the current failure streak of the task's Fargate tailer
   * (core/task/relaunch.ts): when it began, how often a stopped tailer was relaunched since, the
   * checkpoint at the last relaunch (a checkpoint that moved since ends the streak), the ECS task
   * it launched and the stopped one it replaced.
   */
  supervision?: {
    streakStartedAt: string;
    relaunches: number;
    lastRelaunchAt: string;
    checkpointAtRelaunch?: string;
    tailer?: string;
    replaced?: string;
  };
}

export interface IndexesOutcome {
  /** Tables with deferred indexes. */
  tables: number;
  startedAt: string;
  /** Tables whose build was still running (or not started) when the last BuildIndexes call ended. */
  pending: string[];
  completedAt?: string;
}

export interface IncrementalOutcome {
  position: BinlogPosition;
  latencyMs: number;
  rowsPerSecond: number;
  appliedRows: number;
  updatedAt: string;
  /** Set while the source may soon purge the binlog the task resumes from (core/incremental/watch.ts). */
  warning?: string | undefined;
}

export interface SchemaOutcome {
  /** Destination tables this task created (database.table); precheck does not count them as conflicts. */
  createdTables: string[];
  /** What was left out or changed, for the user. */
  notes: string[];
  /** Secondary indexes to build after the full load: destination table (db.table) and clauses. */
  /** `table` is database.table for display; `database` and `name` are the names themselves. */
  deferredIndexes?: {
    table: string;
    database?: string;
    name?: string;
    indexes: { name: string; clause: string }[];
  }[];
  /** Absent until the schema step ends (again, after a restart from scratch, which keeps createdTables). */
  completedAt?: string;
}

export interface FullLoadOutcome {
  /** Identifies the plan in the chunk ledger; a resumed run reuses a plan with the same id. */
  planId: string;
  chunks: number;
  estimatedRows: number;
  startedAt: string;
  completedAt?: string;
  rows?: number;
}

/** The fields of a task record that grow with its number of tables (core/store/task-items.ts keeps them apart). */
export type BulkyField = "precheck" | "schema" | "indexes";

/** A task as `list` returns it: everything but the bulky fields. */
export type TaskListing = Omit<TaskRecord, BulkyField>;

export type OutcomeField =
  | "precheck"
  | "position"
  | "schema"
  | "fullLoad"
  | "indexes"
  | "incremental"
  | "supervision";

/**
 * The task store port: one module owns how tasks are kept. Every write but saveSpec is to an
 * existing task (FatalError otherwise).
 */
export interface TaskStore {
  /**
   * Creates the task (phase "created"), or replaces the spec of an existing one: its phase,
   * outcomes and createdAt stay, its last error goes.
   */
  saveSpec(spec: TaskSpec): Promise<TaskRecord>;
  /** The task whole: its item and the items its bulky fields and incremental figures are kept in. */
  get(name: string): Promise<TaskRecord | undefined>;
  /**
   * Every task, by name, without its bulky fields (precheck report, schema outcome, index builds:
   * `get` one task for them), so listing many large tasks reads and sends little.
   */
  list(): Promise<TaskListing[]>;
  /**
   * Moves the task to `phase`; PhaseMoveError when its phase now does not allow that move
   * (core/model/phase.ts), so a step still running after a pause cannot move the task on.
   */
  setPhase(name: string, phase: Phase): Promise<void>;
  /** Stores the report; the phase becomes "prechecked" or "precheck-failed" (a move, as above). */
  savePrecheck(name: string, report: PrecheckReport): Promise<void>;
  /**
   * Stores the reason (its cause redacted) and when. An active task becomes "failed"; a paused,
   * failed or completed one keeps its phase (a step cut short by a pause fails after it).
   */
  recordFailure(name: string, failure: { error: string; cause: string; state?: string }): Promise<void>;
  /**
   * Sets one top-level field (position, schema, fullLoad, indexes, incremental) and, if given,
   * moves the phase (refused as setPhase refuses).
   */
  saveOutcome<K extends OutcomeField>(
    name: string,
    field: K,
    value: TaskRecord[K],
    phase?: Phase,
  ): Promise<void>;
  /**
   * Back to "created" for a restart from scratch: what the task did (position, full load, index
   * builds, incremental figures, last error, schema completion) is forgotten; the spec and the
   * tables the task created (so the new run may recreate them) are kept. Its history goes too.
   */
  restart(name: string): Promise<void>;
  /** Removes the task record and its history (the destination's data is left alone). */
  remove(name: string): Promise<void>;
  /**
   * Adds one sample to the task's metrics history (the tailer, once a minute). Kept 24 hours
   * (core/store/task-history.ts); not checked against the task's existence, to stay one write.
   */
  appendHistory(name: string, sample: HistorySample): Promise<void>;
  /** The task's samples after `since` (epoch ms), at most 24 hours back, oldest first; none for no task. */
  history(name: string, since?: number): Promise<HistorySample[]>;
}

/** One point of a task's metrics history, as the tailer saw it. */
export interface HistorySample {
  at: string;
  latencySeconds: number;
  rowsPerSecond: number;
  /** Rows applied by the tailer run that took the sample. */
  appliedRows: number;
}

/** The outcomes a restart from scratch forgets. */
export const RESTART_FORGETS = [
  "position",
  "fullLoad",
  "indexes",
  "incremental",
  "lastError",
  "supervision",
] as const;

export function taskMissingError(name: string): FatalError {
  return new FatalError(`no task named ${name}: dts run (or POST /tasks) creates it`);
}

/** The failure as stored: the cause never keeps credentials a URL in it carried. */
export function storedFailure(
  failure: { error: string; cause: string; state?: string },
  at: string,
): NonNullable<TaskRecord["lastError"]> {
  return { ...failure, cause: redactText(failure.cause), at };
}
