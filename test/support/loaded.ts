import { expect } from "vitest";
import { dts, STACK, sql } from "./stack.ts";

/**
 * What every interrupted full load must end with: `dts verify` says equal, and the table holds
 * each of its `rows` rows once (no chunk copied twice left a duplicate).
 */
export async function expectLoadedOnce(specFile: string, table: string, rows: number): Promise<void> {
  const verify = await dts(["verify", specFile]);
  expect(verify.stdout).toMatch(/Equal/);
  expect(verify.code).toBe(0);
  const [counts] = (await sql(STACK.destination.port, [
    `SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS ids FROM ${table}`,
  ])) as [{ n: number; ids: number }[]];
  expect(counts[0]).toEqual({ n: rows, ids: rows });
}
