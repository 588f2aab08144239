import type { CheckResult } from "../precheck/types.ts";
import { redact } from "../redact.ts";
import type { TaskSpec } from "../spec/schema.ts";
import type { CheckpointRecord } from "../store/checkpoint-store.ts";
import type { LedgerSummary } from "../store/chunk-ledger.ts";
import type { TaskRecord } from "../store/task-store.ts";
import type { LiveLease } from "../task/tailer-state.ts";

/** The tailer holding the task's lease, as GET /tasks/{name} shows it. */
export interface TailerView {
  owner: string;
  leaseExpiresAt: string;
  checkpoint?: { file: string; position: number; gtid?: string | undefined; updatedAt: string };
}

/** The tailer holding a task's lease (core/task/tailer-state.ts says when it is alive) as the view shows it. */
export function tailerView(holder: LiveLease<CheckpointRecord>): TailerView {
  const checkpoint = holder.checkpoint;
  return {
    owner: holder.owner,
    leaseExpiresAt: new Date(holder.expiresAt).toISOString(),
    ...(checkpoint
      ? {
          checkpoint: {
            file: checkpoint.position.file,
            position: checkpoint.position.position,
            gtid: checkpoint.position.gtid,
            updatedAt: checkpoint.updatedAt,
          },
        }
      : {}),
  };
}

/** GET /tasks/{name}: where the task is and how it is doing. */
export interface TaskView {
  name: string;
  phase: TaskRecord["phase"];
  migrationTypes: TaskSpec["migrationTypes"];
  createdAt: string;
  updatedAt: string;
  /** Full-load progress (rows copied of the rows planned); 100 once the full load is done. */
  progressPercent: number | null;
  /** Rows copied by the full load plus row changes applied incrementally. */
  rows: number;
  /**
   * Incremental latency: now minus the source commit time of the last applied change (growing
   * while no tailer runs).
   */
  latencySeconds: number | null;
  lastError: TaskRecord["lastError"] | null;
  running: { executions: string[]; tailer: TailerView | null };
  precheck: {
    passed: boolean;
    counts: Record<string, number>;
    finishedAt: string;
    problems: Pick<CheckResult, "id" | "status" | "detail" | "fix">[];
  } | null;
  position: TaskRecord["position"] | null;
  schema: { tables: string[]; notes: string[]; completedAt: string | null } | null;
  fullLoad: {
    percent: number;
    rowsCopied: number;
    estimatedRows: number;
    chunks: number;
    chunksDone: number;
    rowsPerSecond: number;
    startedAt: string;
    completedAt: string | null;
    /** Each table's part while the load runs, in plan order (none once it is done). */
    tables: TableLoadView[];
  } | null;
  /** The secondary indexes built after the full load (absent when none were deferred). */
  indexes: { tables: number; pending: string[]; startedAt: string; completedAt: string | null } | null;
  incremental: {
    position: { file: string; position: number; gtid?: string | undefined };
    latencyMs: number;
    rowsPerSecond: number;
    appliedRows: number;
    updatedAt: string;
    /** The binlog the task resumes from may soon be purged (core/incremental/watch.ts). */
    warning?: string;
  } | null;
  /** The spec as stored, passwords left out. */
  spec: unknown;
}

/** One line of GET /tasks and `dts list`; `position` is the last applied (else the captured) one. */
export type TaskSummary = Pick<
  TaskView,
  "name" | "phase" | "updatedAt" | "progressPercent" | "rows" | "latencySeconds" | "lastError"
> & { position: string | null };

/** The spec without passwords: responses and logs never carry them. */
export function redactSpec(spec: TaskSpec): unknown {
  return redact(spec);
}

export interface TableLoadView {
  /** Source table, database.table. */
  table: string;
  chunks: number;
  chunksDone: number;
  estimatedRows: number;
  rowsCopied: number;
  percent: number;
}

function percentOf(copied: number, estimated: number, done: boolean): number {
  // Filters leave rows out, so a finished load may copy fewer rows than planned.
  return done ? 100 : Math.min(99, Math.floor((copied / Math.max(estimated, 1)) * 100));
}

function fullLoadView(
  task: TaskRecord,
  summary: LedgerSummary | undefined,
  now: number,
): TaskView["fullLoad"] {
  const fullLoad = task.fullLoad;
  if (!fullLoad) return null;
  const rowsCopied = summary?.rowsCopied ?? fullLoad.rows ?? 0;
  const estimatedRows = summary?.estimatedRows ?? fullLoad.estimatedRows;
  const done = fullLoad.completedAt !== undefined;
  const percent = percentOf(rowsCopied, estimatedRows, done);
  const end = done ? Date.parse(fullLoad.completedAt ?? "") : now;
  const seconds = Math.max(0.001, (end - Date.parse(fullLoad.startedAt)) / 1000);
  return {
    percent,
    rowsCopied,
    estimatedRows,
    chunks: summary?.chunks ?? fullLoad.chunks,
    chunksDone: summary?.done ?? (done ? fullLoad.chunks : 0),
    rowsPerSecond: Math.round(rowsCopied / seconds),
    startedAt: fullLoad.startedAt,
    completedAt: fullLoad.completedAt ?? null,
    tables: done
      ? []
      : (summary?.tables ?? []).map((t) => ({
          table: t.table,
          chunks: t.chunks,
          chunksDone: t.done,
          estimatedRows: t.estimatedRows,
          rowsCopied: t.rowsCopied,
          percent: percentOf(t.rowsCopied, t.estimatedRows, t.chunks > 0 && t.done === t.chunks),
        })),
  };
}

/** Builds the view of a task from its record, its chunk ledger summary and its lease. */
export function taskView(input: {
  task: TaskRecord;
  summary?: LedgerSummary | undefined;
  executions: string[];
  tailer: TailerView | null;
  now: number;
}): TaskView {
  const { task, now } = input;
  const fullLoad = fullLoadView(task, input.summary, now);
  // Without a live tailer nothing is applied: the destination falls further behind every
  // second since the tailer last reported (the source's heartbeat keeps committing), and the
  // last throughput is history.
  const stopped = input.tailer === null;
  const incremental = task.incremental
    ? {
        position: task.incremental.position,
        latencyMs: stopped
          ? task.incremental.latencyMs + Math.max(0, now - Date.parse(task.incremental.updatedAt))
          : task.incremental.latencyMs,
        rowsPerSecond: stopped ? 0 : task.incremental.rowsPerSecond,
        appliedRows: task.incremental.appliedRows,
        updatedAt: task.incremental.updatedAt,
        ...(task.incremental.warning ? { warning: task.incremental.warning } : {}),
      }
    : null;
  const precheck = task.precheck
    ? {
        passed: task.precheck.passed,
        counts: task.precheck.counts,
        finishedAt: task.precheck.finishedAt,
        problems: task.precheck.checks
          .filter((c) => c.status !== "pass")
          .map(({ id, status, detail, fix }) => ({ id, status, detail, ...(fix ? { fix } : {}) })),
      }
    : null;
  return {
    name: task.name,
    phase: task.phase,
    migrationTypes: task.spec.migrationTypes,
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
    progressPercent: fullLoad ? fullLoad.percent : null,
    rows: (fullLoad?.rowsCopied ?? 0) + (incremental?.appliedRows ?? 0),
    latencySeconds: incremental ? incremental.latencyMs / 1000 : null,
    lastError: task.lastError ?? null,
    running: { executions: input.executions, tailer: input.tailer },
    precheck,
    position: task.position ?? null,
    schema: task.schema
      ? {
          tables: task.schema.createdTables,
          notes: task.schema.notes,
          completedAt: task.schema.completedAt ?? null,
        }
      : null,
    fullLoad,
    indexes: task.indexes
      ? {
          tables: task.indexes.tables,
          pending: task.indexes.pending,
          startedAt: task.indexes.startedAt,
          completedAt: task.indexes.completedAt ?? null,
        }
      : null,
    incremental,
    spec: redactSpec(task.spec),
  };
}

export function taskSummary(view: TaskView): TaskSummary {
  const { name, phase, updatedAt, progressPercent, rows, latencySeconds, lastError } = view;
  const at = view.incremental?.position ?? view.position;
  const position = at ? `${at.file}:${at.position}` : null;
  return { name, phase, updatedAt, progressPercent, rows, latencySeconds, lastError, position };
}
