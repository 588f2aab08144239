import type { CheckStatus, PrecheckReport } from "./types.ts";

const MARK: Record<CheckStatus, string> = { pass: "PASS", warn: "WARN", fail: "FAIL", skipped: "SKIP" };

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line.length + word.length + 1 > width && line.length > 0) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The readable precheck table: one row per check, then what was found and how to fix it. */
export function renderPrecheckReport(report: PrecheckReport, width = 100): string {
  const idWidth = Math.max(...report.checks.map((c) => c.id.length), 5);
  const out: string[] = [`Precheck for task ${report.task}`, ""];
  out.push(`  ${"STATUS"}  ${"CHECK".padEnd(idWidth)}  DETAIL`);
  const detailWidth = Math.max(30, width - idWidth - 12);
  for (const check of report.checks) {
    const [first = "", ...rest] = wrap(check.detail, detailWidth);
    out.push(`  ${MARK[check.status].padEnd(6)}  ${check.id.padEnd(idWidth)}  ${first}`);
    for (const line of rest) out.push(`  ${"".padEnd(6)}  ${"".padEnd(idWidth)}  ${line}`);
    if (check.fix && (check.status === "fail" || check.status === "warn")) {
      for (const [i, line] of wrap(`fix: ${check.fix}`, detailWidth).entries()) {
        out.push(`  ${"".padEnd(6)}  ${"".padEnd(idWidth)}  ${i === 0 ? "" : "     "}${line}`);
      }
    }
  }
  out.push("", precheckLine(report));
  return out.join("\n");
}

/** One line: passed or failed, with the counts. */
export function precheckLine(report: PrecheckReport): string {
  const { pass, warn, fail, skipped } = report.counts;
  const verdict = report.passed ? "Precheck passed" : "Precheck failed";
  return `${verdict}: ${pass} passed, ${warn} warning(s), ${fail} failed${skipped ? `, ${skipped} not run` : ""}.`;
}
