import { secretProblems } from "#core/api/secret-policy.ts";
import { type PrecheckOutput, precheckOutput } from "#core/api/step-outputs.ts";
import { taskStep } from "#core/api/task-step.ts";
import type { Environment } from "#core/config.ts";
import { livePrecheckPorts } from "#core/precheck/live-ports.ts";
import { runPrecheck } from "#core/precheck/run.ts";
import { specErrorFrom } from "#core/spec/load.ts";

export interface PrecheckEvent {
  /** The task spec as the execution input carries it (not yet validated), or {task} naming a saved one. */
  spec: unknown;
}

export type { PrecheckOutput };

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
      return precheckOutput(spec, report);
    },
    (r) => ({ passed: r.passed, failed: r.failed, failedCount: r.failedCount }),
    environment,
  );
}
