import { DtsError } from "#core/errors.ts";
import { precheckLine, renderPrecheckReport } from "#core/precheck/render.ts";
import { redact, redactText } from "#core/redact.ts";
import { defaultChunkLedger, defaultTaskStore } from "#core/store/index.ts";
import { EXIT } from "./errors.ts";

/** `dts status <task-name> [--json]`: the task as DynamoDB holds it. */
export async function statusCommand(name: string, options: { json?: boolean }): Promise<number> {
  const task = await defaultTaskStore().get(name);
  if (!task) throw new DtsError(`no task named ${name}: start it with \`dts run <spec.json>\` first`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(redact(task), null, 2)}\n`);
    return EXIT.ok;
  }
  const lines = [
    `Task      ${task.name}`,
    `Phase     ${task.phase}`,
    `Types     ${task.spec.migrationTypes.join(" + ")}`,
    `Created   ${task.createdAt}`,
    `Updated   ${task.updatedAt}`,
  ];
  if (task.position) {
    const gtid = task.position.gtid ? ` (GTID ${task.position.gtid})` : "";
    lines.push(
      `Position  ${task.position.file}:${task.position.position}${gtid}, captured ${task.position.capturedAt}`,
    );
  }
  if (task.schema) {
    lines.push(`Schema    ${task.schema.createdTables.length} table(s) created, ${task.schema.completedAt}`);
    for (const note of task.schema.notes) lines.push(`          note: ${note}`);
  }
  if (task.fullLoad) {
    const summary = await defaultChunkLedger().summary(name);
    const total = Math.max(summary.estimatedRows, summary.rowsCopied, 1);
    const percent = Math.floor((summary.rowsCopied / total) * 100);
    if (task.fullLoad.completedAt) {
      const filtered = summary.estimatedRows - summary.rowsCopied;
      const note = filtered > 0 ? ` (${filtered} left out by filters)` : "";
      lines.push(
        `Full load ${summary.rowsCopied} rows copied${note}, chunks ${summary.done}/${summary.chunks}, done at ${task.fullLoad.completedAt}`,
      );
    } else {
      lines.push(
        `Full load ${summary.rowsCopied}/${summary.estimatedRows} rows (${percent}%), chunks ${summary.done}/${summary.chunks}, in progress`,
      );
    }
  }
  if (task.indexes) {
    const { tables, startedAt, pending, completedAt } = task.indexes;
    lines.push(
      completedAt
        ? `Indexes   secondary indexes of ${tables} table(s) built, done at ${completedAt}`
        : `Indexes   building secondary indexes of ${tables} table(s) since ${startedAt}; not done yet: ${pending.join(", ")}`,
    );
  }
  if (task.incremental) {
    const i = task.incremental;
    lines.push(
      `Incremental applied to ${i.position.file}:${i.position.position}, latency ${i.latencyMs} ms, ${i.rowsPerSecond} rows/s, ${i.appliedRows} rows since start (${i.updatedAt})`,
    );
  }
  if (task.lastError) {
    lines.push(`Error     ${task.lastError.error}: ${task.lastError.cause} (at ${task.lastError.at})`);
  }
  if (task.precheck?.passed) lines.push(`${precheckLine(task.precheck)} (${task.precheck.finishedAt})`);
  else if (task.precheck) lines.push("", renderPrecheckReport(task.precheck));
  process.stdout.write(`${redactText(lines.join("\n"))}\n`);
  return EXIT.ok;
}
