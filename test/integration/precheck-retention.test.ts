import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { livePrecheckPorts } from "#core/precheck/live-ports.ts";
import { runPrecheck } from "#core/precheck/run.ts";
import type { CheckResult } from "#core/precheck/types.ts";
import type { TaskSpecInput } from "#core/spec/schema.ts";
import { spec } from "../support/spec-fixtures.ts";
import { STACK, sql } from "../support/stack.ts";

/**
 * The local source (MariaDB 10.11) with a retention shorter than a full load: 200,000 rows at
 * 1 row/s is 2.3 days, 3.5 with the margin, against 2 days of binlogs. The retention is a global
 * of a server other test files use at the same time, so every value set here is harmless to them
 * (nothing of a day or less, which would purge binlogs their tailers may still need and fail
 * source.binlog_retention), and afterAll puts the original back whatever happened.
 */
const ID = "source.binlog_retention_full_load";
const DB = "pr_retention";
const ROWS = 200_000;
const TWO_DAYS = 172_800;
let original: string | undefined;

async function setRetention(seconds: number | string): Promise<void> {
  await sql(STACK.source.port, [`SET GLOBAL binlog_expire_logs_seconds = ${Number(seconds)}`]);
}

async function retentionCheck(overrides: Partial<TaskSpecInput> = {}) {
  const report = await runPrecheck(
    spec({ objects: [{ database: DB }], fullLoad: { rateLimitRowsPerSecond: 1 }, ...overrides }),
    livePrecheckPorts,
  );
  return { report, check: report.checks.find((c) => c.id === ID) as CheckResult };
}

beforeAll(async () => {
  const [rows] = (await sql(STACK.source.port, [
    "SELECT @@GLOBAL.binlog_expire_logs_seconds AS seconds",
  ])) as RowDataPacket[][];
  original = String(rows?.[0]?.seconds);
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS ${DB}`,
    `CREATE DATABASE ${DB}`,
    `CREATE TABLE ${DB}.orders (id BIGINT PRIMARY KEY, status VARCHAR(20))`,
    // MariaDB's sequence engine: seq_1_to_N is a virtual table of N rows.
    `INSERT INTO ${DB}.orders SELECT seq, 'paid' FROM ${DB}.seq_1_to_${ROWS}`,
    // information_schema.TABLES reads InnoDB's statistics: have them counted now.
    `ANALYZE TABLE ${DB}.orders`,
  ]);
  await sql(STACK.destination.port, [`DROP DATABASE IF EXISTS ${DB}`]);
});

afterAll(async () => {
  try {
    if (original !== undefined && original !== "undefined") await setRetention(original);
  } finally {
    await sql(STACK.source.port, [`DROP DATABASE IF EXISTS ${DB}`]);
  }
});

describe("precheck: binlog retention against the planned full load, on the local MariaDB", () => {
  it("warns with the variable and value to set, and still passes the precheck", async () => {
    await setRetention(TWO_DAYS);
    const { report, check } = await retentionCheck();
    expect(check.status).toBe("warn");
    expect(check.detail).toMatch(/^binary logs are kept 2 day\(s\), less than the full load needs/);
    expect(check.detail).toMatch(
      /estimated at [\d.]+ day\(s\) \(1 rows\/s, fullLoad\.rateLimitRowsPerSecond\)/,
    );
    expect(check.fix).toMatch(
      /^raise binlog_expire_logs_seconds to (\d+) \(\d+ days\): SET GLOBAL binlog_expire_logs_seconds = \1, /,
    );
    expect(check.fix).toMatch(/on RDS: CALL mysql\.rds_set_configuration\('binlog retention hours', \d+\)/);
    expect(report.checks.find((c) => c.id === "source.binlog_retention")?.status).toBe("pass");
    expect(report.passed).toBe(true);
  });

  it("fails under precheck.strictBinlogRetention", async () => {
    await setRetention(TWO_DAYS);
    const { report, check } = await retentionCheck({ precheck: { strictBinlogRetention: true } });
    expect(check.status).toBe("fail");
    expect(report.passed).toBe(false);
  });

  it("passes once the fix's value is set, and when binlogs are never purged", async () => {
    await setRetention(TWO_DAYS);
    const { check: before } = await retentionCheck();
    const value = /SET GLOBAL binlog_expire_logs_seconds = (\d+)/.exec(before.fix ?? "")?.[1];
    expect(Number(value)).toBeGreaterThan(TWO_DAYS);
    await setRetention(Number(value));
    expect((await retentionCheck()).check.status).toBe("pass");
    await setRetention(0);
    expect((await retentionCheck()).check).toMatchObject({
      status: "pass",
      detail: expect.stringMatching(/never purged/),
    });
  });
});
