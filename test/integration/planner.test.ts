import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsPerChunk, tableStats } from "#core/fullload/chunk-size.ts";
import { integerKeyRanges, planRanges } from "#core/fullload/planner.ts";
import { copyPlans, planChunks } from "#core/fullload/service.ts";
import type { TableCopyPlan } from "#core/fullload/table-plan.ts";
import { rangeCondition } from "#core/model/key-range.ts";
import { openSource } from "#core/source/connection.ts";
import type { TaskSpec } from "#core/spec/schema.ts";
import type { Chunk, PlanCursor } from "#core/store/chunk-ledger.ts";
import { MemoryChunkLedger } from "#core/store/memory.ts";
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
    // Composite keys: a string-led one (counted), and an integer-led one where order 7 has far more lines than the rest.
    `CREATE TABLE ${DB}.words (w VARCHAR(20), n INT, PRIMARY KEY (w, n))`,
    `INSERT INTO ${DB}.words SELECT CONCAT('w', seq MOD 37), seq FROM ${DB}.seq_1_to_1000`,
    `CREATE TABLE ${DB}.lines (order_id INT, line INT, PRIMARY KEY (order_id, line))`,
    `INSERT INTO ${DB}.lines SELECT seq DIV 4, seq MOD 4 FROM ${DB}.seq_4_to_3999`,
    `INSERT INTO ${DB}.lines SELECT 7, seq FROM ${DB}.seq_10_to_2000`,
    `CREATE TABLE ${DB}.wide (id INT PRIMARY KEY, body VARCHAR(3000))`,
    `INSERT INTO ${DB}.wide SELECT seq, REPEAT('x', 2000) FROM ${DB}.seq_1_to_2000`,
    `ANALYZE TABLE ${DB}.dense, ${DB}.gap, ${DB}.edge, ${DB}.words, ${DB}.lines, ${DB}.wide`,
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

describe("planning chunks by a composite key", () => {
  it("counts a string-led key into ranges of the rows asked for, every row in exactly one", async () => {
    const plan = plans.get("words") as TableCopyPlan;
    const ranges = await planRanges(source, plan, 300);
    expect(await rowsPerRange(plan, ranges)).toEqual([300, 300, 300, 100]);
    expect(ranges.at(-1)?.upper).toBeNull();
  });

  it("splits an integer-led key on its first column, and counts only the range one value overfills", async () => {
    const plan = plans.get("lines") as TableCopyPlan;
    const ranges = await planRanges(source, plan, 400);
    const counts = await rowsPerRange(plan, ranges);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3996 + 1991);
    // Order 7's 1,995 lines are counted into chunks of 400; the other ranges hold about 400 by arithmetic.
    expect(Math.max(...counts)).toBeLessThanOrEqual(3 * 400);
    expect(ranges.filter((r) => (r.upper?.length ?? 0) > 1).length).toBeGreaterThanOrEqual(4);
    expect(ranges.filter((r) => r.upper?.length === 1).length).toBeGreaterThanOrEqual(5);
    expect(ranges[0]?.lower).toBeNull();
    expect(ranges.at(-1)?.upper).toBeNull();
  });
});

describe("chunks capped by bytes", () => {
  it("gives wide rows fewer rows per chunk: chunkBytes over the average row length", async () => {
    const plan = plans.get("wide") as TableCopyPlan;
    const stats = await tableStats(source, plan);
    expect(stats.rowBytes).toBeGreaterThan(1500);
    const rows = await rowsPerChunk(source, plan, { chunkRows: 100_000, chunkBytes: 1_048_576 }, stats);
    expect(rows).toBeGreaterThan(100);
    expect(rows).toBeLessThan(700);
    // Without statistics, the row length comes from a sample of the rows themselves.
    const sampled = await rowsPerChunk(
      source,
      plan,
      { chunkRows: 100_000, chunkBytes: 1_048_576 },
      { rows: 0, rowBytes: 0 },
    );
    expect(sampled).toBeGreaterThan(400);
    expect(sampled).toBeLessThan(600);
  });
});

describe("planning that stops at a deadline and goes on from its cursor", () => {
  const task = "planner-resume";
  const tables = [{ name: "words" }, { name: "gap" }, { name: "dense" }];
  const specOf = (chunkRows: number): TaskSpec =>
    spec({ name: task, objects: [{ database: DB, tables }], fullLoad: { chunkRows } });
  const strip = (chunks: Chunk[]) => chunks.map(({ updatedAt: _u, ...c }) => c);

  /** A ledger that counts its appends, and per call a clock past the deadline after `batches` more. */
  function counted() {
    const ledger = new MemoryChunkLedger();
    const state = { appends: 0, crashAt: -1 };
    const append = ledger.append.bind(ledger);
    ledger.append = async (name: string, chunks: Chunk[], cursor: PlanCursor) => {
      state.appends++;
      if (state.appends !== state.crashAt) return append(name, chunks, cursor);
      // Killed between writing the chunks and moving the cursor: the chunks are there, the cursor is not.
      await append(name, chunks, (await ledger.planCursor(name)) as PlanCursor);
      throw new Error("killed");
    };
    const stopAfter = (batches: number) => {
      const from = state.appends;
      return { deadline: 1, now: () => (state.appends - from >= batches ? 2 : 0), batchChunks: 2 };
    };
    return { ledger, state, stopAfter };
  }

  /** Rows of each table in the ledger's chunks: every row in exactly one chunk when they equal the table's. */
  async function rowsInChunks(ledger: MemoryChunkLedger): Promise<number[]> {
    const all = await copyPlans(specOf(100), source);
    const rows = all.map(() => 0);
    for (const chunk of await ledger.list(task)) {
      const [n = 0] = await rowsPerRange(all[chunk.tableIndex] as TableCopyPlan, [{ ...chunk, rows: 0 }]);
      rows[chunk.tableIndex] = (rows[chunk.tableIndex] ?? 0) + n;
    }
    return rows;
  }

  it("saves each batch with the cursor after it, and ends with the chunks of one uninterrupted plan", async () => {
    const whole = new MemoryChunkLedger();
    expect((await planChunks(specOf(100), source, whole)).cursor.done).toBe(true);
    const { ledger, stopAfter } = counted();
    let step = await planChunks(specOf(100), source, ledger, undefined, stopAfter(1));
    expect(step.cursor).toMatchObject({ table: 0, chunk: 2, done: false });
    expect(step.cursor.lower).toHaveLength(2);
    expect(await ledger.planCursor(task)).toEqual(step.cursor);
    expect(await ledger.list(task)).toHaveLength(2);
    let calls = 1;
    while (!step.cursor.done) {
      step = await planChunks(specOf(100), source, ledger, await ledger.planCursor(task), stopAfter(1));
      calls++;
    }
    // words: 10 chunks, gap (sparse: counted) 4, dense (arithmetic) 10: about two a call.
    expect(calls).toBeGreaterThanOrEqual(10);
    expect(strip(await ledger.list(task))).toEqual(strip(await whole.list(task)));
    expect(await ledger.summary(task)).toEqual(await whole.summary(task));
  });

  it("keeps what was planned when the chunk size changes on resume, and applies the new size to the rest", async () => {
    const { ledger, stopAfter } = counted();
    const first = await planChunks(specOf(100), source, ledger, undefined, stopAfter(2));
    const kept = await ledger.list(task);
    expect(kept).toHaveLength(4);
    const last = await planChunks(specOf(250), source, ledger, await ledger.planCursor(task));
    expect(last.cursor.done).toBe(true);
    expect(first.cursor.planId).toBe(last.cursor.planId);
    const chunks = await ledger.list(task);
    expect(strip(chunks.slice(0, 4))).toEqual(strip(kept));
    // words' other 600 rows in chunks of 250; dense's 1,000 ids in ranges of 250.
    expect(chunks.filter((c) => c.tableIndex === 0).map((c) => c.estimatedRows)).toEqual([
      100, 100, 100, 100, 250, 250, 100,
    ]);
    expect(chunks.filter((c) => c.tableIndex === 2)).toHaveLength(4);
    expect(await rowsInChunks(ledger)).toEqual([1000, 200, 1000]);
  });

  it("goes on from the cursor after a planner killed between saving chunks and moving the cursor", async () => {
    const { ledger, state, stopAfter } = counted();
    await planChunks(specOf(100), source, ledger, undefined, stopAfter(2));
    state.crashAt = state.appends + 2;
    const killed = planChunks(specOf(100), source, ledger, await ledger.planCursor(task), { batchChunks: 2 });
    await expect(killed).rejects.toThrow("killed");
    expect(await ledger.list(task)).toHaveLength(8);
    // The killed call's last batch is in the ledger beyond the cursor; a bigger chunk size plans fewer chunks over it.
    const cursor = await ledger.planCursor(task);
    expect(cursor).toMatchObject({ table: 0, chunk: 6 });
    expect((await ledger.list(task)).length).toBe(6);
    const last = await planChunks(specOf(300), source, ledger, cursor);
    expect(last.cursor.done).toBe(true);
    expect(await rowsInChunks(ledger)).toEqual([1000, 200, 1000]);
    expect((await ledger.summary(task)).chunks).toBe((await ledger.list(task)).length);
  });
});
