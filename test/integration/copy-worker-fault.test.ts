import type { Connection } from "mysql2/promise";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { type Chunk, DynamoChunkLedger } from "#core/store/chunk-ledger.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { defaultTaskStore } from "#core/store/index.ts";
import { runLocally } from "../../local/runner.ts";
import { expectLoadedOnce } from "../support/loaded.ts";
import { forgetTask, specInput, writeSpecFile } from "../support/spec-fixtures.ts";
import { STACK, sql } from "../support/stack.ts";

/*
 * Faults inside a copy worker, as the deployed state machine meets them: the local runner executes
 * the synthesized definition (CopyChunks, FullLoadStatus, WaitForChunks, CopyChunks again), and
 * the copy of a chosen chunk loses its destination connection mid-chunk for real: the test kills
 * the worker's connection on the server (KILL) once the chunk's first rows are written. The fault
 * is injected by mocking the copy module in this test process only: nothing a spec or request
 * can reach.
 */

const fault = vi.hoisted(() => ({
  /** Which copies to cut short: a chunk and its attempt. */
  cut: ((_chunk) => false) as (chunk: { id: string; attempts: number }) => boolean,
  killed: [] as string[],
}));

vi.mock("#core/fullload/copy.ts", async (importOriginal) => {
  const actual = await importOriginal<typeof import("#core/fullload/copy.ts")>();
  const { STACK: stack, sql: run } = await import("../support/stack.ts");
  const copyRange: typeof actual.copyRange = async (source, destination, plan, range, options) => {
    const chunk = range as unknown as { id: string; attempts: number };
    if (!fault.cut(chunk)) return actual.copyRange(source, destination, plan, range, options);
    const thread = (destination as Connection).threadId;
    let kill: Promise<unknown> | undefined;
    const onRows = (rows: number) => {
      options.onRows?.(rows);
      // The first rows are in: the server drops the worker's connection (a failover, a proxy restart).
      kill ??= run(stack.destination.port, [`KILL ${thread}`]).then(() => fault.killed.push(chunk.id));
    };
    await actual.copyRange(source, destination, plan, range, { ...options, onRows });
    await kill;
    throw new Error(`the copy of ${chunk.id} ended before its connection was killed: slow the copy down`);
  };
  return { ...actual, copyRange };
});

const DB = "cwf_faults";
const ROWS = 20_000;
const TABLE = `CREATE TABLE ${DB}.events (id BIGINT NOT NULL PRIMARY KEY, kind VARCHAR(20), payload VARCHAR(600))`;
const spec = (name: string, fullLoad: Record<string, number> = {}) => ({
  name,
  migrationTypes: ["schema" as const, "full" as const],
  objects: [{ database: DB }],
  // Four chunks of 5,000 rows, about a second each: long enough to be cut short after their first rows.
  fullLoad: { chunkRows: 5000, parallelism: 2, rateLimitRowsPerSecond: 10_000, ...fullLoad },
});

const ledger = () => new DynamoChunkLedger(documentClient(), tableNames().chunks);

// A second's backoff instead of a minute's: the chunk is due again within the test's time.
process.env.DTS_CHUNK_RETRY_BACKOFF_MS = "1000";

beforeAll(async () => {
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS ${DB}`,
    `CREATE DATABASE ${DB}`,
    TABLE,
    `INSERT INTO ${DB}.events SELECT seq, ELT(1 + seq MOD 3, 'a', 'b', 'c'), REPEAT('x', 300 + seq MOD 300) FROM ${DB}.seq_1_to_${ROWS}`,
  ]);
});

/** A new task, and no destination database (the task's schema phase creates it). */
async function fresh(name: string): Promise<void> {
  await sql(STACK.destination.port, [`DROP DATABASE IF EXISTS ${DB}`]);
  await forgetTask(name);
  fault.killed = [];
}

/** The second chunk of the plan: one copied while the other worker copies the first. */
const second = (chunk: { id: string }) => chunk.id.endsWith("#c0000001");

describe("a copy worker whose connection is killed in the middle of a chunk", () => {
  it("gives the chunk back with its error; a worker copies it after its backoff, and the load verifies equal", async () => {
    const name = "cwf-degrade";
    await fresh(name);
    fault.cut = (chunk) => second(chunk) && chunk.attempts === 1;
    const execution = await runLocally(specInput(spec(name)));
    // No worker failed: the one whose copy was cut short gave its chunk back and returned.
    expect(execution).toMatchObject({ status: "SUCCEEDED" });
    expect(fault.killed).toHaveLength(1);
    const chunks = await ledger().list(name);
    const retried = chunks.find(second) as Chunk;
    expect(retried).toMatchObject({ state: "done", attempts: 2, rows: 5000 });
    expect(retried.lastError?.message).toMatch(/connection|killed/i);
    expect(chunks.filter((c) => !second(c)).every((c) => c.state === "done" && c.attempts === 1)).toBe(true);
    await expectLoadedOnce(await writeSpecFile(spec(name)), `${DB}.events`, ROWS);
  }, 240_000);

  it("stops the task once the chunk has failed its last attempt, naming it; a resume copies it and the load verifies equal", async () => {
    const name = "cwf-fail";
    await fresh(name);
    fault.cut = second;
    const failed = await runLocally(specInput(spec(name, { maxChunkAttempts: 2 })));
    expect(failed).toMatchObject({ status: "FAILED", error: "ChunkFailedError" });
    expect(fault.killed).toHaveLength(2);
    const [chunk] = await ledger().failed(name);
    expect(chunk).toMatchObject({ state: "failed", attempts: 2, lastError: { attempt: 2 } });
    // Where operators look: the task's last error names the chunk, its range, attempts and error, and what to do.
    const lastError = (await defaultTaskStore().get(name))?.lastError;
    expect(lastError).toMatchObject({ error: "ChunkFailedError" });
    expect(lastError?.cause).toMatch(
      new RegExp(
        `^chunk ${chunk?.id} of ${DB}\\.events \\(key after \\(\\d+\\) up to \\(\\d+\\)\\) failed after 2 attempts: .*(connection|killed).*Fix the cause, then resume the task`,
        "i",
      ),
    );

    // The cause is gone; the task resumes (a new execution): the failed chunk is copied again.
    fault.cut = () => false;
    const resumed = await runLocally(specInput(spec(name, { maxChunkAttempts: 2 })));
    expect(resumed).toMatchObject({ status: "SUCCEEDED" });
    expect(await ledger().failed(name)).toEqual([]);
    expect((await ledger().list(name)).find((c) => c.id === chunk?.id)).toMatchObject({
      state: "done",
      attempts: 1,
      rows: 5000,
    });
    await expectLoadedOnce(await writeSpecFile(spec(name)), `${DB}.events`, ROWS);
  }, 240_000);
});
