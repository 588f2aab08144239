import { secretProblems } from "#core/api/secret-policy.ts";
import { taskStep } from "#core/api/task-step.ts";
import type { Environment } from "#core/config.ts";
import { livePrecheckPorts } from "#core/precheck/live-ports.ts";
import { runPrecheck } from "#core/precheck/run.ts";
import { specErrorFrom } from "#core/spec/load.ts";

export interface PrecheckEvent {
  /** The task spec, as the execution input carries it (not yet validated). */
  spec: unknown;
}

export interface PrecheckOutput {
  taskName: string;
  passed: boolean;
  /** One line for the Fail state's cause and the console. */
  summary: string;
  failed: string[];
  /** Which phases the state machine runs after precheck. */
  phases: { schema: boolean; full: boolean; incremental: boolean };
}

/**
 * Lambda `precheck`: validate the spec, store the task, run every precheck item, store the report.
 * Lambda passes its context second; tests pass variables there that stand in for the deployed
 * environment (core/config.ts callConfig).
 */
export function handler(event: PrecheckEvent, environment?: Environment): Promise<PrecheckOutput> {
  return taskStep(
    "precheck",
    event,
    async ({ spec, config, store }) => {
      // Deployed, a spec started from the Step Functions console meets the API's rule: no password
      // is stored with the task (its record and status views would carry it).
      const problems = secretProblems(spec, config.secrets);
      if (problems.length > 0) throw specErrorFrom(problems, "the execution input");
      const task = await store.saveSpec(spec);
      await store.setPhase(spec.name, "prechecking");
      const report = await runPrecheck(spec, livePrecheckPorts, { ownedTables: task.schema?.createdTables });
      await store.savePrecheck(spec.name, report);
      const failed = report.checks.filter((c) => c.status === "fail" || c.status === "skipped");
      const summary = report.passed
        ? `precheck passed (${report.counts.pass} passed, ${report.counts.warn} warning(s))`
        : `precheck failed: ${failed.map((c) => `${c.id}: ${c.detail}. Fix: ${c.fix ?? "see the report"}`).join(" | ")}`;
      const phases = {
        schema: spec.migrationTypes.includes("schema"),
        full: spec.migrationTypes.includes("full"),
        incremental: spec.migrationTypes.includes("incremental"),
      };
      return { taskName: spec.name, passed: report.passed, summary, failed: failed.map((c) => c.id), phases };
    },
    (r) => ({ passed: r.passed, failed: r.failed }),
    environment,
  );
}
