/** A precheck report as the task record keeps it (the checks themselves are core/precheck). */

export type CheckStatus = "pass" | "warn" | "fail" | "skipped";

export interface CheckResult {
  /** Stable name, e.g. source.binlog_row_image. */
  id: string;
  title: string;
  status: CheckStatus;
  /** What was found. */
  detail: string;
  /** What to do about it (warn and fail). */
  fix?: string;
}

export interface PrecheckReport {
  task: string;
  passed: boolean;
  counts: Record<CheckStatus, number>;
  checks: CheckResult[];
  /** Facts later phases rely on (e.g. the Kafka topic's partition count). */
  facts: Record<string, string | number | boolean>;
  startedAt: string;
  finishedAt: string;
}
