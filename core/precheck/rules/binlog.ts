import type { SourceFacts } from "../types.ts";
import { fail, incremental, pass, type Rule, type RuleContext, skipped, warn } from "./context.ts";

const DAY = 86_400;

function source(ctx: RuleContext): SourceFacts | undefined {
  return ctx.facts.source.ok ? ctx.facts.source : undefined;
}

export const sourceVersion: Rule = {
  id: "source.version",
  title: "Source flavour and version supported",
  run(ctx) {
    const s = source(ctx);
    if (!s) return skipped("source unreachable");
    const { flavour, major, minor, text } = s.server;
    if (flavour === "mariadb") {
      if (major > 10 || (major === 10 && minor >= 2)) return pass(`MariaDB ${text}`);
      return fail(`MariaDB ${text} is older than 10.2`, "upgrade the source to MariaDB 10.2 or later");
    }
    if (flavour === "polardb-x") {
      return pass(`PolarDB-X ${text} (binlog read by file and position; GTID is not used)`);
    }
    const v = `${major}.${minor}`;
    if (v === "5.7" || v === "8.0" || v === "8.4") return pass(`MySQL ${text}`);
    if (major < 5 || (major === 5 && minor < 7)) {
      return fail(`MySQL ${text} is not supported`, "upgrade the source to MySQL 5.7, 8.0 or 8.4");
    }
    return warn(
      `MySQL ${text} is an innovation release; supported versions are 5.7, 8.0 and 8.4`,
      "run the task on a long-term-support release, or accept the warning after a trial migration",
    );
  },
};

export const sourceLogBin: Rule = {
  id: "source.log_bin",
  title: "Binary logging enabled",
  run(ctx) {
    if (!incremental(ctx)) return undefined;
    const s = source(ctx);
    if (!s) return skipped("source unreachable");
    const value = (s.variables.log_bin ?? "").toUpperCase();
    if (value === "ON" || value === "1") return pass("log_bin=ON");
    return fail(
      `log_bin=${value || "OFF"}: incremental migration reads the binary log`,
      "start the source with log-bin (and a server-id), e.g. log-bin=mysql-bin in my.cnf, then restart it",
    );
  },
};

export const sourceBinlogFormat: Rule = {
  id: "source.binlog_format",
  title: "binlog_format is ROW",
  run(ctx) {
    if (!incremental(ctx)) return undefined;
    const s = source(ctx);
    if (!s) return skipped("source unreachable");
    const value = (s.variables.binlog_format ?? "").toUpperCase();
    if (value === "ROW") return pass("binlog_format=ROW");
    return fail(
      `binlog_format=${value || "(unset)"}: row changes cannot be read from ${value || "this"} events`,
      "SET GLOBAL binlog_format='ROW' and set binlog_format=ROW in my.cnf (existing sessions keep the old value until they reconnect)",
    );
  },
};

export const sourceBinlogRowImage: Rule = {
  id: "source.binlog_row_image",
  title: "binlog_row_image is FULL",
  run(ctx) {
    if (!incremental(ctx)) return undefined;
    const s = source(ctx);
    if (!s) return skipped("source unreachable");
    const value = (s.variables.binlog_row_image ?? "FULL").toUpperCase();
    if (value === "FULL") return pass("binlog_row_image=FULL");
    return fail(
      `binlog_row_image=${value}: updates would lack the full before and after images`,
      "SET GLOBAL binlog_row_image='FULL' and set binlog_row_image=FULL in my.cnf",
    );
  },
};

export const sourceBinlogRowMetadata: Rule = {
  id: "source.binlog_row_metadata",
  title: "binlog_row_metadata is FULL",
  run(ctx) {
    if (!incremental(ctx)) return undefined;
    const s = source(ctx);
    if (!s) return skipped("source unreachable");
    const value = s.variables.binlog_row_metadata;
    if (value === undefined) return undefined; // MySQL 5.7 and older MariaDB have no such setting
    if (value.toUpperCase() === "FULL") return pass("binlog_row_metadata=FULL");
    return warn(
      `binlog_row_metadata=${value}: rows are decoded with the table definition read when the tailer sees them, so a DDL followed closely by more DDL can be misread`,
      "SET GLOBAL binlog_row_metadata='FULL' (and in my.cnf): each row event then carries its own column names and types",
    );
  },
};

/** Seconds the source keeps binary logs; Infinity when it never purges them. */
export function binlogRetentionSeconds(variables: Record<string, string>): number {
  if ((variables.binlog_expire_logs_auto_purge ?? "ON").toUpperCase() === "OFF")
    return Number.POSITIVE_INFINITY;
  const seconds = Number(variables.binlog_expire_logs_seconds ?? 0);
  if (seconds > 0) return seconds;
  const days = Number(variables.expire_logs_days ?? 0);
  if (days > 0) return days * DAY;
  return Number.POSITIVE_INFINITY;
}

function describeRetention(seconds: number): string {
  if (!Number.isFinite(seconds)) return "binary logs are never purged automatically";
  if (seconds % DAY === 0) return `binary logs are kept ${seconds / DAY} day(s)`;
  return `binary logs are kept ${(seconds / 3600).toFixed(1)} hour(s)`;
}

export const sourceBinlogRetention: Rule = {
  id: "source.binlog_retention",
  title: "Binary log retention long enough",
  run(ctx) {
    if (!incremental(ctx)) return undefined;
    const s = source(ctx);
    if (!s) return skipped("source unreachable");
    const seconds = binlogRetentionSeconds(s.variables);
    const text = describeRetention(seconds);
    const fix =
      "SET GLOBAL binlog_expire_logs_seconds=604800 (7 days; expire_logs_days=7 on MySQL 5.7) and persist it in my.cnf";
    if (seconds <= DAY) {
      return fail(`${text}; incremental migration needs more than 24 hours`, fix);
    }
    // Whether the logs outlive the full load is source.binlog_retention_full_load's question,
    // answered from the selected tables' size rather than a fixed number of days.
    return pass(text);
  },
};
