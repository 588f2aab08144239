import { spawn } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { planChunks } from "#core/fullload/service.ts";
import { sinkLogger, useProcessLogger } from "#core/logger.ts";
import { openSource } from "#core/source/connection.ts";
import { type Chunk, DynamoChunkLedger } from "#core/store/chunk-ledger.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { ensureLocalTables } from "#core/store/local-tables.ts";
import { handler as copyChunk } from "#functions/copy-chunk/handler.ts";
import { handler as fullLoadStatus } from "#functions/full-load-status/handler.ts";
import { localConfig } from "../../local/environment.ts";
import { expectLoadedOnce } from "../support/loaded.ts";
import { specInput, spec as taskSpec, writeSpecFile } from "../support/spec-fixtures.ts";
import { REPO, STACK, sql } from "../support/stack.ts";
import { waitFor } from "../support/tailer.ts";

const DB = "cwk_big";
const ROWS = 40_000;
const TASK = "cwk-kill";
/** The heartbeat timeout of this test's workers: a killed worker's chunk is claimable 2 s after its last beat. */
const HEARTBEAT_TIMEOUT_MS = 2000;
const TABLE = `CREATE TABLE ${DB}.events (id BIGINT NOT NULL PRIMARY KEY, kind VARCHAR(20), payload VARCHAR(1000), at DATETIME(6))`;
const SPEC = {
  name: TASK,
  migrationTypes: ["full" as const],
  objects: [{ database: DB }],
  // Four chunks of 10,000 rows at 5,000 rows/s: two seconds each, long enough to be killed in one
  // (rows of ~750 bytes: a 1 MiB batch, and a progress write, about every second).
  fullLoad: { chunkRows: 10_000, parallelism: 1, rateLimitRowsPerSecond: 5000 },
};
let specFile: string;

beforeAll(async () => {
  process.env.DTS_CHUNK_HEARTBEAT_TIMEOUT_MS = String(HEARTBEAT_TIMEOUT_MS);
  localConfig();
  await ensureLocalTables(documentClient(), tableNames());
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS ${DB}`,
    `CREATE DATABASE ${DB}`,
    TABLE,
    `INSERT INTO ${DB}.events SELECT seq, ELT(1 + seq MOD 4, 'a', 'b', 'c', 'd'), REPEAT('x', 500 + seq MOD 500), '2024-01-01 00:00:00' + INTERVAL seq SECOND FROM ${DB}.seq_1_to_${ROWS}`,
  ]);
  await sql(STACK.destination.port, [`DROP DATABASE IF EXISTS ${DB}`, `CREATE DATABASE ${DB}`, TABLE]);
  specFile = await writeSpecFile(SPEC);
});

/** Runs the copy-chunk handler in a child process (as Lambda would) for `execution`. */
function spawnCopyWorker(execution: string) {
  const event = { spec: specInput(SPEC), execution, worker: 0, workers: 1 };
  const child = spawn(
    process.execPath,
    ["--import", "tsx", `${REPO}test/support/copy-worker-process.ts`, JSON.stringify(event)],
    { cwd: REPO, env: { ...process.env, DTS_LOG_LEVEL: "warn" }, stdio: "ignore" },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once("exit", (_, signal) => resolve(signal)),
  );
  return { child, exited };
}

describe("a copy worker killed with SIGKILL in the middle of a chunk", () => {
  it("leaves the chunk to a worker of the same execution once its heartbeat is silent, and the load ends equal", async () => {
    const ledger = new DynamoChunkLedger(documentClient(), tableNames().chunks);
    const spec = taskSpec(SPEC);
    const source = await openSource(spec.source);
    try {
      expect((await planChunks(spec, source, ledger)).chunks).toBe(4);
    } finally {
      await source.end();
    }
    const execution = `arn:aws:states:us-east-1:000000000000:execution:dts-local:${TASK}-${Date.now()}`;

    const worker = spawnCopyWorker(execution);
    await waitFor(
      async () => (await ledger.list(TASK)).some((c) => c.state === "copying" && c.rows > 0),
      60_000,
      "the worker to report rows of a chunk",
    );
    worker.child.kill("SIGKILL");
    expect(await worker.exited).toBe("SIGKILL");
    // The chunk the worker held when it died (the one it reported rows of, unless it just finished
    // that one and claimed the next): left copying, its heartbeat going silent.
    const left = (await ledger.list(TASK)).filter((c) => c.state === "copying");
    expect(left).toHaveLength(1);
    const id = (left[0] as Chunk).id;
    expect(left[0]).toMatchObject({ execution, attempts: 1 });

    // The full load goes on in the same execution, as the state machine's loop runs it:
    // CopyChunks, FullLoadStatus, and while chunks are left, WaitForChunks and again.
    const lines: Record<string, unknown>[] = [];
    useProcessLogger(sinkLogger((line) => lines.push(line)));
    let status = { done: false, chunks: 0, rows: 0 };
    for (let round = 0; round < 5 && !status.done; round++) {
      if (round > 0) await new Promise((r) => setTimeout(r, HEARTBEAT_TIMEOUT_MS));
      await copyChunk({ spec: specInput(SPEC), execution, worker: 0, workers: 1 });
      status = await fullLoadStatus({ spec: specInput(SPEC) });
    }
    expect(status).toEqual({ done: true, chunks: 4, rows: ROWS });
    expect(lines.filter((l) => l.outcome === "failed")).toEqual([]);

    const chunks = await ledger.list(TASK);
    expect(chunks.every((c) => c.state === "done" && c.execution === execution)).toBe(true);
    // The killed worker's chunk was claimed again (a second attempt) by its own execution.
    expect(chunks.find((c) => c.id === id)).toMatchObject({ state: "done", attempts: 2, rows: 10_000 });
    expect(chunks.filter((c) => c.id !== id).every((c) => c.attempts === 1)).toBe(true);

    await expectLoadedOnce(specFile, `${DB}.events`, ROWS);
  }, 180_000);
});
