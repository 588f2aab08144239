import { beforeAll, describe, expect, it } from "vitest";
import { parseTaskSpec } from "#core/spec/load.ts";
import { defaultChunkLedger, defaultTaskStore } from "#core/store/index.ts";
import { handler, PLAN_MARGIN_MS } from "#functions/plan-chunks/handler.ts";
import { forgetTask, specInput } from "../support/spec-fixtures.ts";
import { STACK, sql } from "../support/stack.ts";

const DB = "plan_calls";
const TASK = "plan-calls";

beforeAll(async () => {
  process.env.DYNAMODB_ENDPOINT ??= STACK.dynamodb;
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS ${DB}`,
    `CREATE DATABASE ${DB}`,
    `CREATE TABLE ${DB}.codes (code VARCHAR(12) PRIMARY KEY)`,
    `INSERT INTO ${DB}.codes SELECT CONCAT('c', LPAD(seq, 6, '0')) FROM ${DB}.seq_1_to_1000`,
  ]);
  await forgetTask(TASK);
}, 120_000);

describe("PlanChunks near its Lambda's limit", () => {
  it("answers done: false with what it saved, and the next call goes on from the ledger's cursor", async () => {
    const input = specInput({
      name: TASK,
      migrationTypes: ["full"],
      objects: [{ database: DB }],
      fullLoad: { chunkRows: 100, parallelism: 2 },
    });
    const store = defaultTaskStore();
    await store.saveSpec(parseTaskSpec(input));
    await store.setPhase(TASK, "prechecking");
    await store.setPhase(TASK, "prechecked");
    // As good as no time left: each call saves what it found by then and stops.
    const nearLimit = { getRemainingTimeInMillis: () => PLAN_MARGIN_MS };
    const first = await handler({ spec: input }, nearLimit);
    expect(first).toMatchObject({ done: false, resumed: false, workers: [{ worker: 0 }, { worker: 1 }] });
    expect(first.chunks).toBeGreaterThan(0);
    expect(first.chunks).toBeLessThan(10);
    expect((await store.get(TASK))?.phase).toBe("full-load");
    const second = await handler({ spec: input }, nearLimit);
    expect(second).toMatchObject({ done: false, resumed: true });
    expect(second.chunks).toBeGreaterThan(first.chunks);
    // A call with time enough (locally there is no limit) finishes the plan from there.
    const last = await handler({ spec: input });
    expect(last).toMatchObject({ done: true, resumed: true, chunks: 10, estimatedRows: 1000 });
    const ledger = defaultChunkLedger();
    expect((await ledger.list(TASK)).map((c) => c.estimatedRows)).toEqual(Array(10).fill(100));
    expect(await ledger.planCursor(TASK)).toMatchObject({ done: true, table: 1 });
    expect((await store.get(TASK))?.fullLoad).toMatchObject({ chunks: 10, estimatedRows: 1000 });
    // Planned whole: a call again keeps the plan.
    expect(await handler({ spec: input })).toMatchObject({ done: true, resumed: true, chunks: 10 });
  });
});
