import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTaskTailer, type TailerRun } from "#core/incremental/service.ts";
import { createLogger } from "#core/logger.ts";
import { defaultCheckpointStore, defaultTaskStore } from "#core/store/index.ts";
import { localEnvironment } from "../../local/environment.ts";
import { writeSpecFile } from "../support/spec-fixtures.ts";
import { dts, STACK, sql, startMariadb } from "../support/stack.ts";
import { waitFor } from "../support/tailer.ts";

/*
 * The retry window on the real stack, with the tailer in this process on a clock the test moves:
 * a tailer that has run longer than its window survives a dropped connection; one whose
 * destination stays away for longer than the window fails with the reason, and `dts resume`
 * goes on from its checkpoint.
 */

const TASK = "window-tailer";
const DB = "window_db";
const PORT = 33071;
const MINUTE = 60_000;
let specFile: string;
let stopDestination: (() => Promise<void>) | undefined;
let offset = 0;
const clock = () => Date.now() + offset;
const lines: string[] = [];

beforeAll(async () => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  stopDestination = await startMariadb("window-dest", PORT, ["--skip-log-bin", "--server-id=71"]);
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS ${DB}`,
    `CREATE DATABASE ${DB}`,
    `CREATE TABLE ${DB}.accounts (id INT NOT NULL PRIMARY KEY, balance DECIMAL(12,2) NOT NULL, note VARCHAR(50))`,
    `INSERT INTO ${DB}.accounts SELECT seq, seq, CONCAT('a', seq) FROM ${DB}.seq_1_to_300`,
  ]);
  await sql(PORT, [`DROP DATABASE IF EXISTS ${DB}`]);
  specFile = await writeSpecFile({
    name: TASK,
    destination: { type: "mysql", host: "127.0.0.1", port: PORT, user: "root", password: "dts-root" },
    migrationTypes: ["schema", "full", "incremental"],
    objects: [{ database: DB }],
    retryWindowMinutes: 10,
    heartbeat: false,
  });
  await dts(["delete", TASK, "--yes"]);
});

afterAll(async () => {
  await dts(["pause", TASK]);
  await stopDestination?.();
});

/** The source sessions of this process's binlog reader (its Binlog Dump thread). */
async function killBinlogSession(): Promise<number> {
  const mine = execFileSync("ss", ["-tnpH", "state", "established"], { encoding: "utf8" })
    .split("\n")
    .filter(
      (line) => line.includes(`pid=${process.pid},`) && line.includes(`127.0.0.1:${STACK.source.port} `),
    )
    .map((line) => Number(/127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:/.exec(line)?.[1]));
  const [rows] = (await sql(STACK.source.port, [
    "SELECT ID, HOST FROM information_schema.PROCESSLIST WHERE COMMAND = 'Binlog Dump'",
  ])) as [{ ID: number; HOST: string }[]];
  const victims = rows.filter((r) => mine.includes(Number(r.HOST.split(":")[1])));
  for (const victim of victims) await sql(STACK.source.port, [`KILL ${victim.ID}`]);
  return victims.length;
}

async function destinationCount(): Promise<number> {
  const [[row]] = (await sql(PORT, [`SELECT COUNT(*) AS n FROM ${DB}.accounts`])) as [{ n: number }[]];
  return Number(row?.n);
}

function startInProcessTailer(): TailerRun {
  const logger = createLogger(
    { level: "info" },
    { destination: { write: (line: string) => lines.push(line) > 0 }, fields: { task: TASK } },
  );
  return runTaskTailer(TASK, { config: { leaseTtlMs: 3000, metrics: { emf: false } }, log: logger, clock });
}

describe("the retry window counts from the start of a failure streak", () => {
  it("lets a tailer older than its window survive a dropped connection, and fails one whose destination stays away; resume goes on", async () => {
    // Load the task, then run its tailer here instead of as a child process.
    expect((await dts(["run", specFile, "--until", "caught-up"])).code).toBe(0);
    expect((await dts(["pause", TASK])).code).toBe(0);
    await defaultCheckpointStore().clearStop(TASK);
    await defaultTaskStore().setPhase(TASK, "incremental");
    const run = startInProcessTailer();
    const ended = run.done.then(
      (reason) => ({ reason, error: undefined as Error | undefined }),
      (error: Error) => ({ reason: undefined, error }),
    );
    await waitFor(() => lines.some((l) => l.includes('"msg":"lease taken"')), 20_000, "the lease");

    // Eleven minutes later (longer than the window), the binlog connection drops.
    offset += 11 * MINUTE;
    await waitFor(async () => (await killBinlogSession()) > 0, 10_000, "the tailer's binlog session");
    await sql(STACK.source.port, [`INSERT INTO ${DB}.accounts VALUES (1001, 1, 'after blip')`]);
    await waitFor(async () => (await destinationCount()) === 301, 30_000, "the change after the blip");
    expect(lines.some((l) => l.includes("connection lost, retrying"))).toBe(true);
    expect((await defaultTaskStore().get(TASK))?.phase).toBe("incremental");

    // The destination goes away and stays away for longer than the window.
    await stopDestination?.();
    stopDestination = undefined;
    await sql(STACK.source.port, [`INSERT INTO ${DB}.accounts VALUES (1002, 2, 'while down')`]);
    await waitFor(
      () => lines.filter((l) => l.includes("connection lost, retrying")).length >= 2,
      30_000,
      "a retry against the stopped destination",
    );
    offset += 11 * MINUTE;
    const outcome = await ended;
    expect(outcome.error?.message).toMatch(
      /^gave up: the connection failed for longer than the retry window of 10 minutes .*`dts resume window-tailer` goes on from the checkpoint$/,
    );
    const failed = await defaultTaskStore().get(TASK);
    expect(failed?.phase).toBe("failed");
    expect(failed?.lastError?.state).toBe("Tailer");

    // Back: resume starts the tailer from its checkpoint, and nothing is missing.
    stopDestination = await startMariadb("window-dest", PORT, ["--skip-log-bin", "--server-id=71"]);
    await sql(STACK.source.port, [`INSERT INTO ${DB}.accounts VALUES (1003, 3, 'after resume')`]);
    const resumed = await dts(["resume", TASK, "--until", "caught-up"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(`Task ${TASK} goes on with incremental migration from its checkpoint`);
    expect(await destinationCount()).toBe(303);
    expect((await dts(["verify", specFile])).stdout).toMatch(/Equal/);
  });
});
