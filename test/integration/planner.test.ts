import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { integerKeyRanges, planRanges } from "#core/fullload/planner.ts";
import { copyPlans } from "#core/fullload/service.ts";
import type { TableCopyPlan } from "#core/fullload/table-plan.ts";
import { rangeCondition } from "#core/model/key-range.ts";
import { openSource } from "#core/source/connection.ts";
import { spec } from "../support/spec-fixtures.ts";
import { STACK, sql } from "../support/stack.ts";

const DB = "planner_keys";
let source: Connection;
let plans: Map<string, TableCopyPlan>;

beforeAll(async () => {
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS ${DB}`,
    `CREATE DATABASE ${DB}`,
    `CREATE TABLE ${DB}.dense (id INT PRIMARY KEY, v INT)`,
    `INSERT INTO ${DB}.dense SELECT seq, seq FROM ${DB}.seq_1_to_1000`,
    `CREATE TABLE ${DB}.gap (id BIGINT PRIMARY KEY)`,
    `INSERT INTO ${DB}.gap SELECT seq FROM ${DB}.seq_1_to_100`,
    `INSERT INTO ${DB}.gap SELECT 1000000000000 + seq FROM ${DB}.seq_1_to_100`,
    `CREATE TABLE ${DB}.edge (id BIGINT UNSIGNED PRIMARY KEY)`,
    `INSERT INTO ${DB}.edge SELECT 18446744073709551615 - seq FROM ${DB}.seq_0_to_100`,
    `ANALYZE TABLE ${DB}.dense, ${DB}.gap, ${DB}.edge`,
  ]);
  source = await openSource(STACK.source);
  const all = await copyPlans(spec({ objects: [{ database: DB }] }), source);
  plans = new Map(all.map((p) => [p.source.table, p]));
}, 120_000);

afterAll(async () => {
  await source?.end();
});

/** Rows of the table in each range: every row in exactly one. */
async function rowsPerRange(plan: TableCopyPlan, ranges: Awaited<ReturnType<typeof planRanges>>) {
  const counts: number[] = [];
  for (const range of ranges) {
    const [rows] = await source.query(
      `SELECT COUNT(*) AS n FROM ${plan.sourceTable} WHERE ${rangeCondition(plan.sourceKey, range)}`,
    );
    counts.push(Number((rows as { n: number }[])[0]?.n));
  }
  return counts;
}

describe("planning chunks by an integer key", () => {
  it("splits a dense key by arithmetic into ranges of chunkRows values, open at both ends", async () => {
    const plan = plans.get("dense") as TableCopyPlan;
    const ranges = (await integerKeyRanges(source, plan, 100)) ?? [];
    expect(ranges).toHaveLength(10);
    expect(ranges[0]?.lower).toBeNull();
    expect(ranges[0]?.upper).toEqual(["100"]);
    expect(ranges[9]?.upper).toBeNull();
    expect(await rowsPerRange(plan, ranges)).toEqual(Array(10).fill(100));
    // Estimated from the statistics: about 100 a range, 1,000 in all.
    const estimated = ranges.reduce((sum, r) => sum + r.rows, 0);
    expect(estimated).toBeGreaterThan(500);
    expect(estimated).toBeLessThan(2000);
  });

  it("counts instead when the ids have a gap far larger than the rows", async () => {
    const plan = plans.get("gap") as TableCopyPlan;
    expect(await integerKeyRanges(source, plan, 50)).toBeUndefined();
    const ranges = await planRanges(source, plan, 50);
    expect(await rowsPerRange(plan, ranges)).toEqual([50, 50, 50, 50]);
  });

  it("handles BIGINT UNSIGNED keys up to 2^64-1", async () => {
    const plan = plans.get("edge") as TableCopyPlan;
    const ranges = (await integerKeyRanges(source, plan, 50)) ?? [];
    expect(ranges).toHaveLength(3);
    expect(await rowsPerRange(plan, ranges)).toEqual([50, 50, 1]);
    expect(ranges[2]?.rows).toBeLessThanOrEqual(2);
  });
});
