import { describeEffects } from "./columns.ts";
import type { PlannedTable, TaskPlan } from "./preview.ts";

const count = (n: number) => Math.round(n).toLocaleString("en-US");

/** Bytes in the largest unit that keeps a number >= 1 (KiB, MiB, GiB). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Seconds as "42.0 s", "3 min 20 s" or "2 h 5 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function grid(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  const [head = [], ...body] = rows;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)];
}

function tableDetails(table: PlannedTable): string[] {
  const lines = [`${table.source} -> ${table.destination}`];
  if (table.problem) lines.push(`  problem: ${table.problem}`);
  if (table.filter) lines.push(`  filter: ${table.filter}`);
  for (const effect of describeEffects(table.columns)) lines.push(`  ${effect}`);
  if (table.ddl.length > 0) {
    lines.push("  DDL:");
    for (const statement of table.ddl) lines.push(...statement.split("\n").map((l) => `    ${l}`));
  }
  if (table.deferredIndexes.length > 0)
    lines.push(`  indexes built after the full load: ${table.deferredIndexes.join(", ")}`);
  for (const note of table.notes) lines.push(`  note: ${note}`);
  return lines;
}

/** The plan for people: a table of the selected objects, each one's details, totals and the ETA. */
export function renderPlan(plan: TaskPlan): string {
  const out = [
    `Plan of task ${plan.task}: ${plan.migrationTypes.join(", ")} into ${plan.destination} (nothing was written)`,
    "",
    ...grid([
      ["source", "destination", "rows (est.)", "data", "indexes", "rows/chunk", "chunks"],
      ...plan.tables.map((t) => [
        t.source,
        t.destination,
        count(t.rows),
        formatBytes(t.dataBytes),
        formatBytes(t.indexBytes),
        count(t.rowsPerChunk),
        count(t.chunks),
      ]),
    ]),
    "",
  ];
  for (const table of plan.tables) out.push(...tableDetails(table), "");
  for (const name of plan.missing) out.push(`${name}: selected but not on the source (precheck fails it)`);
  out.push(
    `Total: ${count(plan.totals.rows)} rows (estimated), ${formatBytes(plan.totals.dataBytes)} of data, ${count(plan.totals.chunks)} chunk(s)`,
  );
  const eta = plan.eta;
  if (!eta) out.push("No full load in this task: no ETA.");
  else if (eta.seconds === undefined) out.push(`Full load ETA: unknown (${eta.model})`);
  else {
    const rate = eta.copyRowsPerSecond ? `, about ${count(eta.copyRowsPerSecond)} rows/s` : "";
    out.push(
      `Full load ETA: ${formatDuration(eta.seconds)} (${eta.workers} worker(s)${rate})`,
      `  how: ${eta.model}`,
    );
  }
  return out.join("\n");
}
