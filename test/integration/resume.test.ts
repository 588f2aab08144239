import { spawn } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { type ChunkLedger, DynamoChunkLedger } from "#core/store/chunk-ledger.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { ensureLocalTables } from "#core/store/local-tables.ts";
import { expectLoadedOnce } from "../support/loaded.ts";
import { writeSpecFile } from "../support/spec-fixtures.ts";
import { dts, REPO, STACK, sql } from "../support/stack.ts";

const DB = "rs_big";
const ROWS = 60_000;
const TASK = "rs-resume";
let specFile: string;

beforeAll(async () => {
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS ${DB}`,
    `CREATE DATABASE ${DB}`,
    `CREATE TABLE ${DB}.events (id BIGINT NOT NULL PRIMARY KEY, kind VARCHAR(20), payload VARCHAR(200), at DATETIME(6))`,
    `INSERT INTO ${DB}.events SELECT seq, ELT(1 + seq MOD 4, 'a', 'b', 'c', 'd'), REPEAT('x', seq MOD 200), '2024-01-01 00:00:00' + INTERVAL seq SECOND FROM ${DB}.seq_1_to_${ROWS}`,
  ]);
  await sql(STACK.destination.port, [`DROP DATABASE IF EXISTS ${DB}`]);
  specFile = await writeSpecFile({
    name: TASK,
    migrationTypes: ["schema", "full"],
    objects: [{ database: DB }],
    // Slow enough to be killed half-way: 20 chunks at 15,000 rows/s.
    fullLoad: { chunkRows: 3000, parallelism: 2, rateLimitRowsPerSecond: 15_000 },
  });
});

async function chunksDone(ledger: ChunkLedger): Promise<{ done: number; total: number }> {
  const summary = await ledger.summary(TASK);
  return { done: summary.done, total: summary.chunks };
}

describe("an interrupted full load", () => {
  it("resumes with the chunks not done and ends equal, without duplicates", async () => {
    process.env.DYNAMODB_ENDPOINT ??= STACK.dynamodb;
    await ensureLocalTables(documentClient(), tableNames());
    const ledger = new DynamoChunkLedger(documentClient(), tableNames().chunks);
    await ledger.replace(TASK, []); // a ledger left by an earlier test run must not look like progress
    const child = spawn("node", [`${REPO}bin/dts.js`, "run", specFile], { cwd: REPO, stdio: "ignore" });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    // Kill it with SIGKILL once some chunks are done and others are not.
    const deadline = Date.now() + 60_000;
    let progress = { done: 0, total: 0 };
    while (Date.now() < deadline) {
      progress = await chunksDone(ledger).catch(() => ({ done: 0, total: 0 }));
      if (progress.total > 0 && progress.done >= 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGKILL");
    await exited;
    const atKill = await chunksDone(ledger);
    expect(atKill.done).toBeGreaterThanOrEqual(4);
    expect(atKill.done).toBeLessThan(atKill.total);
    const [partial] = (await sql(STACK.destination.port, [`SELECT COUNT(*) AS n FROM ${DB}.events`])) as [
      { n: number }[],
    ];
    expect(partial[0]?.n).toBeLessThan(ROWS);

    const rerun = await dts(["run", specFile]);
    expect(rerun.code).toBe(0);
    const chunks = await ledger.list(TASK);
    expect(chunks.every((c) => c.state === "done")).toBe(true);
    // Chunks finished before the kill were not copied again.
    expect(chunks.filter((c) => c.attempts === 1).length).toBeGreaterThanOrEqual(atKill.done);

    await expectLoadedOnce(specFile, `${DB}.events`, ROWS);
  });
});
