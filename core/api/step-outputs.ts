import type { PrecheckReport } from "../model/precheck-report.ts";
import type { TaskSpec } from "../spec/schema.ts";
import type { SchemaOutcome } from "../store/task-store.ts";

/*
 * What the Task states return into the execution's state (infra/workflow.ts keeps each under
 * $.precheck, $.schema, $.indexes ...): counts, flags and bounded text only, never a list that
 * grows with the number of tables, so a task of any size stays far under Step Functions' 256 KB
 * state limit. The whole outcome is on the task record (`dts status`, GET /tasks/{name}).
 */

/** Most characters of the precheck's one-line summary: the Fail state's cause and the console show it. */
export const SUMMARY_CHARS = 2_000;
/** Most failed check ids listed by name in the output. */
export const FAILED_IDS = 20;

export interface PrecheckOutput {
  taskName: string;
  passed: boolean;
  /** One line for the Fail state's cause and the console (cut at SUMMARY_CHARS). */
  summary: string;
  /** The first FAILED_IDS checks that failed or could not run. */
  failed: string[];
  failedCount: number;
  /** Which phases the state machine runs after precheck. */
  phases: { schema: boolean; full: boolean; incremental: boolean };
}

export function precheckOutput(spec: TaskSpec, report: PrecheckReport): PrecheckOutput {
  const failed = report.checks.filter((c) => c.status === "fail" || c.status === "skipped");
  const summary = report.passed
    ? `precheck passed (${report.counts.pass} passed, ${report.counts.warn} warning(s))`
    : `precheck failed: ${failed.map((c) => `${c.id}: ${c.detail}. Fix: ${c.fix ?? "see the report"}`).join(" | ")}`;
  return {
    taskName: spec.name,
    passed: report.passed,
    summary: bounded(summary, `\`dts status ${spec.name}\` (GET /tasks/${spec.name}) shows the whole report`),
    failed: failed.slice(0, FAILED_IDS).map((c) => c.id),
    failedCount: failed.length,
    phases: {
      schema: spec.migrationTypes.includes("schema"),
      full: spec.migrationTypes.includes("full"),
      incremental: spec.migrationTypes.includes("incremental"),
    },
  };
}

/** The Schema state's result: how many tables it created and how many notes it left on the task. */
export function schemaOutput(outcome: Pick<SchemaOutcome, "createdTables" | "notes">): {
  tables: number;
  notes: number;
} {
  return { tables: outcome.createdTables.length, notes: outcome.notes.length };
}

/** The BuildIndexes state's result: IndexesBuilt? reads `done`; the tables left are on the task. */
export function indexesOutput(outcome: { built: number; pending: string[] }): {
  built: number;
  done: boolean;
  pending: number;
} {
  return { built: outcome.built, done: outcome.pending.length === 0, pending: outcome.pending.length };
}

function bounded(text: string, more: string): string {
  if (text.length <= SUMMARY_CHARS) return text;
  return `${text.slice(0, SUMMARY_CHARS - more.length - 8)} ... (${more})`;
}
