import { catalogTable } from "../../model/catalog.ts";
import type { TaskSpec } from "../../spec/schema.ts";
import type { SourceFacts } from "../types.ts";
import { binlogRetentionSeconds } from "./binlog.ts";
import { fail, incremental, pass, type Rule, type RuleContext, skipped, warn } from "./context.ts";
import {
  COPY_WORKER_ROWS_PER_SECOND,
  describeDuration,
  estimateFullLoad,
  type FullLoadEstimate,
} from "./full-load-estimate.ts";

const DAY = 86_400;
/** RDS for MySQL keeps binlogs at most this long, whatever is asked (Aurora MySQL: 2160). */
const RDS_MAX_HOURS = 168;

/** Rows of the selected tables, from the catalog's information_schema estimates. */
function selectedRows(ctx: RuleContext, source: SourceFacts): number {
  let rows = 0;
  for (const t of ctx.selected) {
    rows += catalogTable(source.catalog, t.source.database, t.source.table)?.estimatedRows ?? 0;
  }
  return rows;
}

function basis(spec: TaskSpec, estimate: FullLoadEstimate): string {
  const rate = estimate.rowsPerSecond.toLocaleString("en-US");
  return estimate.limitedBy === "rate-limit"
    ? `${rate} rows/s, fullLoad.rateLimitRowsPerSecond`
    : `${rate} rows/s, ${spec.fullLoad.parallelism} copy worker(s) at ${COPY_WORKER_ROWS_PER_SECOND.toLocaleString("en-US")}`;
}

/** The exact setting to raise and its value, then how to shorten the full load instead. */
function fixFor(spec: TaskSpec, source: SourceFacts, estimate: FullLoadEstimate, rdsLimits: boolean): string {
  // Whole days, at least two: incremental migration alone wants more than 24 hours (source.binlog_retention).
  const days = Math.max(2, Math.ceil(estimate.neededSeconds / DAY));
  const seconds = days * DAY;
  const hours = days * 24;
  const rds = `CALL mysql.rds_set_configuration('binlog retention hours', ${hours})`;
  const rdsCap =
    hours > RDS_MAX_HOURS ? ` (RDS for MySQL keeps at most ${RDS_MAX_HOURS} hours; Aurora MySQL 2160)` : "";
  let raise: string;
  if (rdsLimits) {
    raise = `raise the source's binlog retention hours to ${hours} (${days} days): ${rds}${rdsCap}`;
  } else if (source.variables.binlog_expire_logs_seconds !== undefined) {
    raise = `raise binlog_expire_logs_seconds to ${seconds} (${days} days): SET GLOBAL binlog_expire_logs_seconds = ${seconds}, and the same in my.cnf (MySQL 8: SET PERSIST); on RDS: ${rds}${rdsCap}`;
  } else {
    raise = `raise expire_logs_days to ${days}: SET GLOBAL expire_logs_days = ${days}, and the same in my.cnf; on RDS: ${rds}${rdsCap}`;
  }
  const shorten =
    estimate.limitedBy === "rate-limit"
      ? "raise or remove fullLoad.rateLimitRowsPerSecond"
      : spec.fullLoad.parallelism < 64
        ? `raise fullLoad.parallelism (now ${spec.fullLoad.parallelism}) if the databases have headroom`
        : "select fewer tables per task";
  return `${raise}. Or shorten the full load: ${shorten}`;
}

/**
 * The binlog position is taken when the full load starts and read by the tailer only after the
 * full load and index builds: if the source purges that binlog first, the task can only start over.
 * Warns (fails under precheck.strictBinlogRetention) when retention is shorter than the estimate.
 */
export const sourceBinlogRetentionFullLoad: Rule = {
  id: "source.binlog_retention_full_load",
  title: "Binary logs outlive the estimated full load",
  run(ctx) {
    if (!incremental(ctx) || !ctx.spec.migrationTypes.includes("full")) return undefined;
    const s = ctx.facts.source.ok ? ctx.facts.source : undefined;
    if (!s) return skipped("source unreachable");
    const fromVariables = binlogRetentionSeconds(s.variables);
    const retention = Math.min(fromVariables, s.binlogRetentionSeconds ?? fromVariables);
    if (!Number.isFinite(retention)) return pass("binary logs are never purged automatically");
    const estimate = estimateFullLoad(ctx.spec, selectedRows(ctx, s));
    const load = `the full load of about ${estimate.rows.toLocaleString("en-US")} row(s) is estimated at ${describeDuration(estimate.seconds)} (${basis(ctx.spec, estimate)}), ${describeDuration(estimate.neededSeconds)} with the margin for index builds and catching up`;
    const kept = `binary logs are kept ${describeDuration(retention)}`;
    if (retention >= estimate.neededSeconds) return pass(`${kept}; ${load}`);
    const strict = ctx.spec.precheck?.strictBinlogRetention === true;
    const detail = `${kept}, less than the full load needs: ${load}; the binlog the incremental phase starts from could be purged before it is read${strict ? " (precheck.strictBinlogRetention is on)" : ""}`;
    const fix = fixFor(ctx.spec, s, estimate, retention < fromVariables);
    return strict ? fail(detail, fix) : warn(detail, fix);
  },
};
