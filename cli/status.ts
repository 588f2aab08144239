import { DtsError } from "#core/errors.ts";
import { renderPrecheckReport } from "#core/precheck/render.ts";
import { defaultTaskStore } from "#core/store/index.ts";
import { EXIT } from "./errors.ts";

/** `dts status <task-name> [--json]`: the task as DynamoDB holds it. */
export async function statusCommand(name: string, options: { json?: boolean }): Promise<number> {
  const task = await defaultTaskStore().get(name);
  if (!task) throw new DtsError(`no task named ${name}: start it with \`dts run <spec.json>\` first`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(task, null, 2)}\n`);
    return EXIT.ok;
  }
  const lines = [
    `Task      ${task.name}`,
    `Phase     ${task.phase}`,
    `Types     ${task.spec.migrationTypes.join(" + ")}`,
    `Created   ${task.createdAt}`,
    `Updated   ${task.updatedAt}`,
  ];
  if (task.lastError) {
    lines.push(`Error     ${task.lastError.error}: ${task.lastError.cause} (at ${task.lastError.at})`);
  }
  if (task.precheck) lines.push("", renderPrecheckReport(task.precheck));
  process.stdout.write(`${lines.join("\n")}\n`);
  return EXIT.ok;
}
