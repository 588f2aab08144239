import type { TaskSpec } from "../../spec/schema.ts";

/**
 * Rows a second one copy worker sustains, measured end to end on a 1,769 MB ARM Lambda with the
 * databases keeping up (docs/deploy.md, "What it costs"). The local runner copies faster
 * (README, "Speed"), so this errs on the long side, the safe side for a retention check.
 */
export const COPY_WORKER_ROWS_PER_SECOND = 40_000;

/** The estimate is multiplied by this: row estimates are InnoDB's guesses, servers have busy hours. */
export const MARGIN_FACTOR = 1.5;

/** Added after the factor: deferred index builds, and the tailer catching up from the start position. */
export const MARGIN_SECONDS = 3600;

export interface FullLoadEstimate {
  /** information_schema.TABLES row estimates of the selected tables, summed. */
  rows: number;
  /** Task-wide copy rate the estimate assumes. */
  rowsPerSecond: number;
  /** What sets that rate: the copy workers, or the spec's fullLoad.rateLimitRowsPerSecond. */
  limitedBy: "workers" | "rate-limit";
  /** Rows divided by the rate. */
  seconds: number;
  /** With the margin: how long the binlog position taken when the full load starts must survive. */
  neededSeconds: number;
}

/**
 * How long the full load of tables holding `rows` takes: the rows over the slower of the copy
 * workers' documented rate and the task's own rate limit (which is task-wide), plus the margin.
 * WHERE filters are ignored: they usually shorten the copy, but the source still scans the range.
 */
export function estimateFullLoad(spec: TaskSpec, rows: number): FullLoadEstimate {
  const workers = spec.fullLoad.parallelism * COPY_WORKER_ROWS_PER_SECOND;
  const limit = spec.fullLoad.rateLimitRowsPerSecond;
  const limited = limit !== undefined && limit < workers;
  const rowsPerSecond = limited ? limit : workers;
  const seconds = Math.max(0, rows) / rowsPerSecond;
  return {
    rows,
    rowsPerSecond,
    limitedBy: limited ? "rate-limit" : "workers",
    seconds,
    neededSeconds: Math.ceil(seconds * MARGIN_FACTOR + MARGIN_SECONDS),
  };
}

/** A duration as an operator reads it: "40 minute(s)", "3.5 hour(s)", "2 day(s)". */
export function describeDuration(seconds: number): string {
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} minute(s)`;
  if (seconds < 2 * 86_400) return `${round1(seconds / 3600)} hour(s)`;
  return `${round1(seconds / 86_400)} day(s)`;
}

function round1(value: number): string {
  return String(Math.round(value * 10) / 10);
}
