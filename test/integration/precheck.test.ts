import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { livePrecheckPorts } from "#core/precheck/live-ports.ts";
import { runPrecheck } from "#core/precheck/run.ts";
import type { CheckResult } from "#core/precheck/types.ts";
import type { TaskSpecInput } from "#core/spec/schema.ts";
import { spec } from "../support/spec-fixtures.ts";
import { dts, STACK, sql, startMariadb } from "../support/stack.ts";

const STATEMENT_PORT = 33063;
const MINIMAL_PORT = 33064;
const stoppers: (() => Promise<void>)[] = [];

const SHOP = [
  "DROP DATABASE IF EXISTS pc_shop",
  "CREATE DATABASE pc_shop",
  "CREATE TABLE pc_shop.orders (id BIGINT PRIMARY KEY, status VARCHAR(20), amount DECIMAL(10,2))",
  "CREATE TABLE pc_shop.customers (id INT NOT NULL, email VARCHAR(100) NOT NULL, UNIQUE KEY uk (email))",
];

async function precheck(overrides: Partial<TaskSpecInput>) {
  return runPrecheck(spec({ objects: [{ database: "pc_shop" }], ...overrides }), livePrecheckPorts);
}

function byId(checks: CheckResult[], id: string): CheckResult | undefined {
  return checks.find((c) => c.id === id);
}

beforeAll(async () => {
  const [statement, minimal] = await Promise.all([
    startMariadb("statement", STATEMENT_PORT, ["--binlog-format=STATEMENT"]),
    startMariadb("minimal", MINIMAL_PORT, ["--binlog-row-image=MINIMAL"]),
  ]);
  stoppers.push(statement, minimal);
  for (const port of [STACK.source.port, STATEMENT_PORT, MINIMAL_PORT]) await sql(port, SHOP);
  await sql(STACK.source.port, [
    "DROP DATABASE IF EXISTS pc_nokey",
    "CREATE DATABASE pc_nokey",
    "CREATE TABLE pc_nokey.events (at DATETIME, payload TEXT)",
    "DROP DATABASE IF EXISTS pc_conflict",
    "CREATE DATABASE pc_conflict",
    "CREATE TABLE pc_conflict.orders (id INT PRIMARY KEY)",
    "CREATE OR REPLACE USER 'pc_reader'@'%' IDENTIFIED BY 'pc-pass'",
    "GRANT SELECT ON *.* TO 'pc_reader'@'%'",
  ]);
  await sql(STACK.destination.port, [
    "DROP DATABASE IF EXISTS pc_shop",
    "DROP DATABASE IF EXISTS pc_conflict",
    "CREATE DATABASE pc_conflict",
    "CREATE TABLE pc_conflict.orders (id INT PRIMARY KEY)",
  ]);
});

afterAll(async () => {
  await Promise.all(stoppers.map((stop) => stop()));
});

describe("precheck against real servers", () => {
  it("passes a healthy source (ROW, FULL, 7 days, GTID) and destination", async () => {
    const report = await precheck({});
    expect(report.checks.filter((c) => c.status !== "pass")).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.facts.sourceFlavour).toBe("mariadb");
  });

  it("fails source.binlog_format on a source started with binlog_format=STATEMENT", async () => {
    const report = await precheck({ source: { ...STACK.source, port: STATEMENT_PORT } });
    expect(report.passed).toBe(false);
    expect(byId(report.checks, "source.binlog_format")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/binlog_format=STATEMENT/),
      fix: expect.stringMatching(/binlog_format='ROW'/),
    });
  });

  it("fails source.binlog_row_image on a source started with binlog_row_image=MINIMAL", async () => {
    const report = await precheck({ source: { ...STACK.source, port: MINIMAL_PORT } });
    expect(byId(report.checks, "source.binlog_row_image")).toMatchObject({
      status: "fail",
      detail: "binlog_row_image=MINIMAL: updates would lack the full before and after images",
    });
    expect(byId(report.checks, "source.binlog_format")?.status).toBe("pass");
  });

  it("fails source.privileges for an account without replication privileges", async () => {
    const report = await precheck({ source: { ...STACK.source, user: "pc_reader", password: "pc-pass" } });
    expect(byId(report.checks, "source.privileges")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(
        /pc_reader lacks REPLICATION SLAVE on \*\.\*; REPLICATION CLIENT on \*\.\*/,
      ),
      fix: expect.stringMatching(/^GRANT REPLICATION SLAVE, REPLICATION CLIENT ON \*\.\* TO 'pc_reader'/),
    });
  });

  it("fails source.table_keys for a selected table with no key", async () => {
    const report = await precheck({ objects: [{ database: "pc_nokey" }] });
    expect(byId(report.checks, "source.table_keys")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/pc_nokey\.events/),
      fix: expect.stringMatching(/ADD PRIMARY KEY/),
    });
  });

  it("fails destination.table_conflicts for an existing destination table, warns when ignoring", async () => {
    const objects = [{ database: "pc_conflict" }];
    const report = await precheck({ objects });
    expect(byId(report.checks, "destination.table_conflicts")).toMatchObject({
      status: "fail",
      detail: "already in the destination: pc_conflict.orders",
    });
    const ignoring = await precheck({ objects, conflictMode: "ignore-and-proceed" });
    expect(byId(ignoring.checks, "destination.table_conflicts")?.status).toBe("warn");
    expect(ignoring.passed).toBe(true);
  });

  it("fails connectivity with a wrong password, in words", async () => {
    const report = await precheck({ source: { ...STACK.source, password: "wrong" } });
    expect(byId(report.checks, "source.connectivity")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/^cannot connect to root@127\.0\.0\.1:33061: access denied/),
    });
    expect(report.passed).toBe(false);
  });
});

describe("dts precheck", () => {
  async function specFile(name: string, input: unknown): Promise<string> {
    const file = join(tmpdir(), `dts-${name}-${process.pid}.json`);
    await writeFile(file, JSON.stringify(input));
    return file;
  }

  it("exits 1 naming the check and the fix for binlog_row_image=MINIMAL", async () => {
    const file = await specFile("minimal", {
      ...spec({ objects: [{ database: "pc_shop" }] }),
      source: { ...STACK.source, port: MINIMAL_PORT },
    });
    const result = await dts(["precheck", file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL\s+source\.binlog_row_image\s+binlog_row_image=MINIMAL/);
    expect(result.stdout).toMatch(/fix: SET GLOBAL binlog_row_image='FULL'/);
    expect(result.stdout).toMatch(/Precheck failed: \d+ passed, 0 warning\(s\), 1 failed/);
    expect(result.stderr).toBe("");
  });

  it("prints the report as JSON with --json and exits 0 when nothing failed", async () => {
    const file = await specFile("ok", spec({ objects: [{ database: "pc_shop" }] }));
    const result = await dts(["precheck", file, "--json"]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { passed: boolean; checks: CheckResult[] };
    expect(report.passed).toBe(true);
    expect(report.checks.map((c) => c.id)).toContain("source.binlog_row_image");
  });

  it("exits 2 naming the JSON path of an invalid spec, without a stack trace", async () => {
    const file = await specFile("invalid", { ...spec(), retryWindowMinutes: 3 });
    const result = await dts(["precheck", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^dts: invalid task spec in .*: \$\.retryWindowMinutes: must be between 10 and 1440/,
    );
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
