import { taskSummary } from "#core/api/view.ts";
import type { DtsConfig } from "#core/config.ts";
import { redactText } from "#core/redact.ts";
import { EXIT } from "./errors.ts";
import { cliTasks } from "./tasks.ts";

/** `dts list`: every task with its phase, position, latency and last error. */
export async function listCommand(options: { json?: boolean }, config: DtsConfig): Promise<number> {
  const { tasks } = cliTasks(config);
  const summaries = (await tasks.list()).map(taskSummary);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summaries, null, 2)}\n`);
    return EXIT.ok;
  }
  if (summaries.length === 0) {
    process.stdout.write("No tasks yet: `dts run <spec>` creates one.\n");
    return EXIT.ok;
  }
  const rows = summaries.map((t) => [
    t.name,
    t.phase,
    t.position ?? "-",
    t.latencySeconds === null ? "-" : `${t.latencySeconds} s`,
    t.progressPercent === null ? "-" : `${t.progressPercent}%`,
    t.lastError ? redactText(`${t.lastError.error}: ${t.lastError.cause}`).slice(0, 80) : "",
  ]);
  const header = ["TASK", "PHASE", "POSITION", "LATENCY", "FULL LOAD", "LAST ERROR"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  for (const row of [header, ...rows])
    process.stdout.write(
      `${row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd()}\n`,
    );
  return EXIT.ok;
}
