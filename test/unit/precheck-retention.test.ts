import { describe, expect, it } from "vitest";
import {
  describeDuration,
  estimateFullLoad,
  MARGIN_SECONDS,
} from "#core/precheck/rules/full-load-estimate.ts";
import { evaluatePrecheck, summarize } from "#core/precheck/run.ts";
import type { CheckResult, PrecheckFacts, SourceFacts } from "#core/precheck/types.ts";
import { detectServerVersion } from "#core/source/flavour.ts";
import type { TaskSpecInput } from "#core/spec/schema.ts";
import { catalogOf, facts, sourceFacts, table } from "../support/facts.ts";
import { spec } from "../support/spec-fixtures.ts";

const ID = "source.binlog_retention_full_load";

/** shop.orders holds 1,000,000 rows; at 5 rows/s that is 200,000 s, 303,600 s (3.5 days) with the margin. */
const slow: Partial<TaskSpecInput> = { fullLoad: { rateLimitRowsPerSecond: 5 } };
const bigOrders = catalogOf(
  table("shop", "orders", { estimatedRows: 1_000_000 }),
  table("shop", "customers"),
);

/** A healthy source (ROW, FULL, ...) whose retention is set by `retention` alone. */
function source(retention: Record<string, string>, overrides: Partial<SourceFacts> = {}): PrecheckFacts {
  const { binlog_expire_logs_seconds: _s, expire_logs_days: _d, ...healthy } = sourceFacts().variables;
  return facts({
    source: sourceFacts({ variables: { ...healthy, ...retention }, catalog: bigOrders, ...overrides }),
  });
}

const mariadb = (seconds: number) =>
  source({ binlog_expire_logs_seconds: String(seconds), expire_logs_days: (seconds / 86_400).toFixed(6) });
const mysql8 = (variables: Record<string, string>) =>
  source(variables, { server: detectServerVersion("8.0.36", "MySQL Community Server - GPL") });

function check(f: PrecheckFacts, overrides: Partial<TaskSpecInput> = slow): CheckResult | undefined {
  return evaluatePrecheck(spec(overrides), f).find((c) => c.id === ID);
}

describe("full-load estimate", () => {
  it("divides the rows by 40,000 rows/s per copy worker, plus half again and an hour", () => {
    const estimate = estimateFullLoad(spec({ fullLoad: { parallelism: 4 } }), 16_000_000);
    expect(estimate).toEqual({
      rows: 16_000_000,
      rowsPerSecond: 160_000,
      limitedBy: "workers",
      seconds: 100,
      neededSeconds: 150 + MARGIN_SECONDS,
    });
  });

  it("uses the task-wide rate limit when it is slower than the workers", () => {
    const limited = estimateFullLoad(
      spec({ fullLoad: { parallelism: 8, rateLimitRowsPerSecond: 1000 } }),
      3_600_000,
    );
    expect(limited).toMatchObject({ rowsPerSecond: 1000, limitedBy: "rate-limit", seconds: 3600 });
    expect(limited.neededSeconds).toBe(5400 + 3600);
    const generous = estimateFullLoad(spec({ fullLoad: { parallelism: 1, rateLimitRowsPerSecond: 1e6 } }), 1);
    expect(generous).toMatchObject({ rowsPerSecond: 40_000, limitedBy: "workers" });
  });

  it("reads as minutes, hours or days", () => {
    expect(describeDuration(100)).toBe("2 minute(s)");
    expect(describeDuration(12_960)).toBe("3.6 hour(s)");
    expect(describeDuration(303_600)).toBe("3.5 day(s)");
  });
});

describe("precheck: binlog retention against the full load", () => {
  it("warns on MariaDB when the logs are purged before the full load ends, naming the variable and value", () => {
    const result = check(mariadb(172_800));
    expect(result?.status).toBe("warn");
    expect(result?.detail).toMatch(/^binary logs are kept 2 day\(s\), less than the full load needs/);
    expect(result?.detail).toMatch(
      /1,000,010 row\(s\) is estimated at 2\.3 day\(s\) \(5 rows\/s, fullLoad\.rateLimitRowsPerSecond\), 3\.5 day\(s\) with the margin/,
    );
    expect(result?.fix).toMatch(
      /^raise binlog_expire_logs_seconds to 345600 \(4 days\): SET GLOBAL binlog_expire_logs_seconds = 345600, /,
    );
    expect(result?.fix).toContain("on RDS: CALL mysql.rds_set_configuration('binlog retention hours', 96).");
    expect(result?.fix).toMatch(/raise or remove fullLoad\.rateLimitRowsPerSecond$/);
    // A warning: the task may still run.
    const f = mariadb(172_800);
    const s = spec(slow);
    expect(summarize(s, f, evaluatePrecheck(s, f), new Date()).passed).toBe(true);
  });

  it("passes when the retention covers the estimate with its margin", () => {
    expect(check(mariadb(4 * 86_400))).toMatchObject({
      status: "pass",
      detail: expect.stringMatching(/^binary logs are kept 4 day\(s\); the full load/),
    });
    // Without the rate limit, 4 workers copy the million rows in minutes.
    expect(check(mariadb(172_800), {})?.status).toBe("pass");
  });

  it("reads MySQL 8's binlog_expire_logs_seconds, or expire_logs_days when it is 0", () => {
    const seconds = check(mysql8({ binlog_expire_logs_seconds: "172800", expire_logs_days: "0" }));
    expect(seconds?.status).toBe("warn");
    expect(seconds?.fix).toMatch(/SET GLOBAL binlog_expire_logs_seconds = 345600, .*SET PERSIST/);
    const days = check(mysql8({ binlog_expire_logs_seconds: "0", expire_logs_days: "2" }));
    expect(days?.detail).toMatch(/^binary logs are kept 2 day\(s\)/);
    expect(days?.fix).toMatch(/binlog_expire_logs_seconds = 345600/);
  });

  it("names expire_logs_days where binlog_expire_logs_seconds does not exist (MySQL 5.7, MariaDB before 10.6)", () => {
    const result = check(
      source({ expire_logs_days: "2" }, { server: detectServerVersion("5.7.44-log", "") }),
    );
    expect(result?.status).toBe("warn");
    expect(result?.fix).toMatch(/^raise expire_logs_days to 4: SET GLOBAL expire_logs_days = 4, /);
  });

  it("passes a source that never purges (retention 0, or auto purge off)", () => {
    expect(check(mariadb(0))).toMatchObject({
      status: "pass",
      detail: expect.stringMatching(/never purged/),
    });
    const autoPurgeOff = mysql8({ binlog_expire_logs_seconds: "3600", binlog_expire_logs_auto_purge: "OFF" });
    expect(check(autoPurgeOff)?.status).toBe("pass");
  });

  it("fails instead under precheck.strictBinlogRetention, and the precheck with it", () => {
    const strict = { ...slow, precheck: { strictBinlogRetention: true } };
    const result = check(mariadb(172_800), strict);
    expect(result).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/precheck\.strictBinlogRetention is on/),
      fix: expect.stringMatching(/binlog_expire_logs_seconds = 345600/),
    });
    const f = mariadb(172_800);
    const s = spec(strict);
    expect(summarize(s, f, evaluatePrecheck(s, f), new Date()).passed).toBe(false);
    expect(check(mariadb(4 * 86_400), strict)?.status).toBe("pass");
  });

  it("names RDS's binlog retention hours when that is what purges first", () => {
    const result = check(mariadb(604_800), slow);
    expect(result?.status).toBe("pass");
    const sevenDays = { binlog_expire_logs_seconds: "604800", expire_logs_days: "7.000000" };
    const rds = check(source(sevenDays, { binlogRetentionSeconds: 86_400 }));
    expect(rds?.status).toBe("warn");
    expect(rds?.detail).toMatch(/^binary logs are kept 24 hour\(s\)/);
    expect(rds?.fix).toMatch(
      /^raise the source's binlog retention hours to 96 \(4 days\): CALL mysql\.rds_set_configuration\('binlog retention hours', 96\)\. Or shorten/,
    );
    expect(rds?.fix).not.toMatch(/SET GLOBAL/);
  });

  it("suggests more copy workers when they, not a rate limit, set the pace", () => {
    const huge = catalogOf(table("shop", "orders", { estimatedRows: 20_000_000_000 }));
    const result = check(source({ binlog_expire_logs_seconds: "172800" }, { catalog: huge }), {});
    expect(result?.status).toBe("warn");
    expect(result?.fix).toMatch(/raise fullLoad\.parallelism \(now 4\) if the databases have headroom$/);
  });

  it("counts only the selected tables", () => {
    const onlyCustomers = { ...slow, objects: [{ database: "shop", tables: [{ name: "customers" }] }] };
    expect(check(mariadb(172_800), onlyCustomers)?.status).toBe("pass");
  });

  it("applies only to a task with both a full load and an incremental phase", () => {
    expect(check(mariadb(172_800), { ...slow, migrationTypes: ["schema", "full"] })).toBeUndefined();
    expect(check(mariadb(172_800), { ...slow, migrationTypes: ["incremental"] })).toBeUndefined();
    expect(check(facts({ source: { ok: false, error: "refused" } }))?.status).toBe("skipped");
  });

  it("accepts precheck.strictBinlogRetention in the spec, false by default", () => {
    expect(spec().precheck).toBeUndefined();
    expect(spec({ precheck: {} }).precheck).toEqual({ strictBinlogRetention: false });
    expect(spec({ precheck: { strictBinlogRetention: true } }).precheck?.strictBinlogRetention).toBe(true);
  });
});
