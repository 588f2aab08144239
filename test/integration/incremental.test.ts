import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEnvironment } from "../../local/environment.ts";
import { writeSpecFile } from "../support/spec-fixtures.ts";
import { dts, REPO, STACK, sql } from "../support/stack.ts";
import { waitFor } from "../support/tailer.ts";
import { startWriter } from "../support/writer.ts";

const TASK = "inc-live";
let specFile: string;

beforeAll(async () => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  await sql(STACK.source.port, [
    "DROP DATABASE IF EXISTS inc_main",
    "CREATE DATABASE inc_main",
    "CREATE TABLE inc_main.accounts (id INT NOT NULL PRIMARY KEY, balance DECIMAL(12,2) NOT NULL, note VARCHAR(50), KEY idx_balance (balance))",
    "INSERT INTO inc_main.accounts SELECT seq, seq / 10, CONCAT('a', seq) FROM inc_main.seq_1_to_3000",
    "DROP DATABASE IF EXISTS inc_filt",
    "CREATE DATABASE inc_filt",
    "CREATE TABLE inc_filt.orders (id INT NOT NULL PRIMARY KEY, status VARCHAR(10) NOT NULL, amount DECIMAL(10,2))",
    "INSERT INTO inc_filt.orders SELECT seq, ELT(1 + seq MOD 3, 'new', 'paid', 'void'), seq FROM inc_filt.seq_1_to_600",
  ]);
  await sql(STACK.destination.port, ["DROP DATABASE IF EXISTS inc_main", "DROP DATABASE IF EXISTS inc_filt"]);
  specFile = await writeSpecFile({
    name: TASK,
    migrationTypes: ["schema", "full", "incremental"],
    objects: [
      { database: "inc_main" },
      { database: "inc_filt", tables: [{ name: "orders", where: "status <> 'void'" }] },
    ],
    fullLoad: { chunkRows: 500, parallelism: 3 },
  });
});

afterAll(async () => {
  await dts(["stop", TASK]);
});

describe("full + incremental migration into MySQL", () => {
  it("follows a writer through the full load, key changes, filter moves and an added column", async () => {
    const writer = await startWriter("inc_main", "accounts", 7);
    // Orders move in and out of the filter while everything runs.
    const mover = setInterval(() => {
      void sql(STACK.source.port, [
        "UPDATE inc_filt.orders SET status = IF(status = 'void', 'paid', 'void') WHERE id MOD 7 = FLOOR(RAND() * 7)",
      ]).catch(() => undefined);
    }, 150);

    const run = await dts(["run", specFile]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/> StartTailer/);
    expect(run.stdout).toMatch(/phase: incremental/);

    await new Promise((resolve) => setTimeout(resolve, 1500));
    await writer.between("ALTER TABLE inc_main.accounts ADD COLUMN extra INT NOT NULL DEFAULT 7");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    clearInterval(mover);
    const committed = await writer.stop();
    expect(committed).toBeGreaterThan(20);

    const caughtUp = await dts(["run", specFile, "--until", "caught-up"]);

    // The tailer that was running applied everything: a failed one would make `dts run` start over.

    expect(caughtUp.stdout).toMatch(/is in incremental migration already/);
    expect(caughtUp.code).toBe(0);
    expect(caughtUp.stdout).toMatch(/caught up: checkpoint mysql-bin\.\d+:\d+, latency \d+ ms/);

    const verify = await dts(["verify", specFile]);
    expect(verify.stdout).toMatch(/Equal: every selected row arrived exactly\./);
    expect(verify.code).toBe(0);
    const [columns] = (await sql(STACK.destination.port, [
      "SHOW COLUMNS FROM inc_main.accounts LIKE 'extra'",
    ])) as [unknown[]];
    expect(columns).toHaveLength(1);

    const status = await dts(["status", TASK]);
    expect(status.stdout).toMatch(/^Phase\s+incremental$/m);
    expect(status.stdout).toMatch(/^Incremental applied to mysql-bin\.\d+:\d+, latency \d+ ms/m);

    const pid = Number(readFileSync(join(REPO, ".stack", `tailer-${TASK}.pid`), "utf8"));
    const stop = await dts(["stop", TASK]);
    expect(stop.stdout).toMatch(
      /^Task inc-live paused; checkpoint mysql-bin\.\d+:\d+\. `dts resume inc-live` goes on from there\.$/m,
    );
    expect((await dts(["status", TASK])).stdout).toMatch(/^Phase\s+paused$/m);
    // The process is gone too (not reconnecting after the stop).
    await waitFor(
      () => !existsSync(`/proc/${pid}`) || /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8")),
      10_000,
      "the tailer to exit",
    );
  });
});
