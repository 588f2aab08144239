import { median, thousands } from "./cdc-common.ts";
import type { Replica } from "./cdc-replica.ts";
import type { Backlog } from "./cdc-shapes.ts";
import type { SteadyState, TailerDrain } from "./cdc-tailer.ts";

/** One round of a shape: the backlog and how long each drainer took over it. */
export interface RoundResult {
  backlog: Backlog;
  /** Seconds per replica, in REPLICAS order. */
  replicas: number[];
  tailer: TailerDrain;
}

function table(header: string[], rows: string[][], right: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (right[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (right[i] ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "?");

/** The side-by-side table of a shape: medians over its rounds. */
export function shapeTable(title: string, replicas: Replica[], rounds: RoundResult[]): string {
  const n = rounds.length;
  const first = rounds[0] as RoundResult;
  const changes = median(rounds.map((r) => r.backlog.rowChanges));
  const drainers: { label: string; seconds: (r: RoundResult) => number; rss?: number }[] = [
    ...replicas.map((replica, i) => ({
      label: replica.label,
      seconds: (r: RoundResult) => r.replicas[i] as number,
    })),
    {
      label: "tailer, drain alone (lease to caught up)",
      seconds: (r: RoundResult) => r.tailer.alone,
      rss: Math.max(...rounds.map((r) => r.tailer.peakRss)),
    },
    {
      label: "tailer, launch + drain",
      seconds: (r: RoundResult) => r.tailer.whole,
      rss: Math.max(...rounds.map((r) => r.tailer.peakRss)),
    },
  ];
  const rows = drainers.map((d) => {
    const isTailer = d.rss !== undefined;
    const ratios = replicas.map((_, i) =>
      isTailer ? `${fixed(median(rounds.map((r) => (r.replicas[i] as number) / d.seconds(r))), 2)}x` : "",
    );
    return [
      d.label,
      fixed(median(rounds.map(d.seconds))),
      thousands(median(rounds.map((r) => r.backlog.rowChanges / d.seconds(r)))),
      thousands(median(rounds.map((r) => r.backlog.transactions / d.seconds(r)))),
      ...ratios,
      isTailer ? `${Math.round(d.rss as number)} MB` : "",
    ];
  });
  const header = [
    "drainer",
    "seconds",
    "row changes/s",
    "transactions/s",
    ...replicas.map((r) => `${r.short} s / tailer s`),
    "tailer peak RSS",
  ];
  return [
    `\n${title}: median of ${n} round${n === 1 ? "" : "s"}`,
    `backlog: ${thousands(first.backlog.transactions)} transactions, ${thousands(changes)} row changes (round 1: ${first.backlog.detail})\n`,
    table(header, rows, [false, true, true, true, ...replicas.map(() => true), true]),
    `\nper round (s): ${rounds
      .map(
        (r, i) =>
          `#${i + 1} ${[...r.replicas, r.tailer.alone, r.tailer.whole].map((s) => fixed(s)).join(" / ")}`,
      )
      .join(", ")} (${[...replicas.map((r) => r.short), "tailer alone", "tailer whole"].join(" / ")})`,
  ].join("\n");
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export function steadyTable(rate: number, seconds: number, steady: SteadyState): string {
  const rows = [
    [
      "steady state offered",
      `${thousands(rate)} rows/s for ${seconds} s (${steady.transactions} transactions of 100 rows)`,
    ],
    ["commit-to-destination latency p50", `${percentile(steady.latencies, 50)} ms`],
    ["commit-to-destination latency p99", `${percentile(steady.latencies, 99)} ms`],
    ["tailer peak RSS, steady state", `${Math.round(steady.peakRss)} MB`],
  ];
  return [
    "\nTailer under steady load (local stack, same machine)\n",
    table(["measure", "value"], rows, [false, false]),
    "\nLatency per transaction: commit on the source -> first seen in the destination (20 ms polling).",
  ].join("\n");
}
