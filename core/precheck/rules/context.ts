import type { SelectedTable } from "../../spec/mapping.ts";
import type { TaskSpec } from "../../spec/schema.ts";
import type { CheckResult, PrecheckFacts } from "../types.ts";

export interface RuleContext {
  spec: TaskSpec;
  facts: PrecheckFacts;
  /** The selection resolved against the source catalog (empty when the source is unreachable). */
  selected: SelectedTable[];
}

/** A named precheck item; returns undefined when it does not apply to this task. */
export interface Rule {
  id: string;
  title: string;
  run(ctx: RuleContext): Omit<CheckResult, "id" | "title"> | undefined;
}

export const pass = (detail: string) => ({ status: "pass" as const, detail });
export const warn = (detail: string, fix: string) => ({ status: "warn" as const, detail, fix });
export const fail = (detail: string, fix: string) => ({ status: "fail" as const, detail, fix });
export const skipped = (detail: string) => ({ status: "skipped" as const, detail });

export const incremental = (ctx: RuleContext) => ctx.spec.migrationTypes.includes("incremental");

/** Lists up to `max` names, then "and N more". */
export function listNames(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
