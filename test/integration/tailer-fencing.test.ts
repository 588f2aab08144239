import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultCheckpointStore, defaultTaskStore } from "#core/store/index.ts";
import { localEnvironment } from "../../local/environment.ts";
import { forgetTask, specInput } from "../support/spec-fixtures.ts";
import { dts, STACK, sql, startMariadb } from "../support/stack.ts";
import { spawnTailer, type TailerProcess, waitFor } from "../support/tailer.ts";

const PURGE_PORT = 33065;
const TTL = { DTS_LEASE_TTL_MS: "1500" };
const started: TailerProcess[] = [];
let stopPurgeServer: (() => Promise<void>) | undefined;

async function specFile(name: string, overrides: Parameters<typeof specInput>[0]): Promise<string> {
  await forgetTask(name);
  const file = join(tmpdir(), `dts-${name}-${process.pid}.json`);
  await writeFile(
    file,
    JSON.stringify(specInput({ name, migrationTypes: ["schema", "full", "incremental"], ...overrides })),
  );
  return file;
}

/**
 * Runs the task up to its incremental phase, then pauses it, so the tests start tailers of their
 * own (the pause's stop flag withdrawn, as StartTailer does).
 */
async function loadedAndPaused(file: string, name: string): Promise<void> {
  const run = await dts(["run", file, "--until", "caught-up"]);
  expect(run.code, `${run.stdout}${run.stderr}`).toBe(0);
  expect((await dts(["pause", name])).code).toBe(0);
  await defaultCheckpointStore().clearStop(name);
}

beforeAll(async () => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  await sql(STACK.source.port, [
    "DROP DATABASE IF EXISTS fence_db",
    "CREATE DATABASE fence_db",
    "CREATE TABLE fence_db.t (id INT PRIMARY KEY, v INT)",
    "INSERT INTO fence_db.t SELECT seq, seq FROM fence_db.seq_1_to_100",
  ]);
  await sql(STACK.destination.port, ["DROP DATABASE IF EXISTS fence_db", "DROP DATABASE IF EXISTS purge_db"]);
});

afterAll(async () => {
  for (const tailer of started) tailer.child.kill("SIGKILL");
  await stopPurgeServer?.();
});

describe("one writer per task", () => {
  it("keeps a second tailer for the same task as a standby that writes nothing, and fences a tailer that lost its lease", async () => {
    const file = await specFile("fence-task", { objects: [{ database: "fence_db" }] });
    await loadedAndPaused(file, "fence-task");
    const first = spawnTailer("fence-task", TTL);
    started.push(first);
    await waitFor(() => first.output().includes('"msg":"lease taken"'), 15_000, "the first tailer's lease");
    const lease = await defaultCheckpointStore().read("fence-task");

    const second = spawnTailer("fence-task", TTL);
    started.push(second);
    await waitFor(() => second.output().includes("standby"), 15_000, "the second tailer to stand by");
    await sql(STACK.source.port, ["UPDATE fence_db.t SET v = v + 1 WHERE id = 1"]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(second.output()).not.toContain('"msg":"lease taken"');
    const held = await defaultCheckpointStore().read("fence-task");
    expect(held?.owner).toBe(lease?.owner);
    expect(held?.epoch).toBe(lease?.epoch);

    // The first tailer freezes past its lease: the standby takes over with a new epoch...
    first.child.kill("SIGSTOP");
    await waitFor(() => second.output().includes('"msg":"lease taken"'), 15_000, "the standby to take over");
    const takenOver = await defaultCheckpointStore().read("fence-task");
    expect(takenOver?.epoch).toBe((lease?.epoch ?? 0) + 1);
    // ...and the first, when it wakes up, finds itself fenced and stops without writing.
    first.child.kill("SIGCONT");
    expect(await first.exited).toBe(3);
    expect(first.output()).toMatch(/fenced: another tailer holds this task/);
    // SIGTERM without a pause: the tailer checkpoints and exits 143, for a supervisor to relaunch it.
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(143);
  });
});

describe("a checkpoint whose binlog was purged", () => {
  it("fails the task without retrying, naming the missing file and the way to recover", async () => {
    stopPurgeServer = await startMariadb("purge", PURGE_PORT, []);
    const source = { ...STACK.source, port: PURGE_PORT };
    await sql(PURGE_PORT, [
      "DROP DATABASE IF EXISTS purge_db",
      "CREATE DATABASE purge_db",
      "CREATE TABLE purge_db.t (id INT PRIMARY KEY, v INT)",
      "INSERT INTO purge_db.t VALUES (1, 1), (2, 2)",
    ]);
    const file = await specFile("purge-task", { source, objects: [{ database: "purge_db" }] });
    await loadedAndPaused(file, "purge-task");
    // Where the tailer goes on from: its checkpoint.
    const position =
      (await defaultCheckpointStore().read("purge-task"))?.checkpoint?.position ??
      (await defaultTaskStore().get("purge-task"))?.position;
    expect(position?.file).toMatch(/^mysql-bin\.\d+$/);

    await sql(PURGE_PORT, ["INSERT INTO purge_db.t VALUES (3, 3)", "FLUSH BINARY LOGS", "FLUSH BINARY LOGS"]);
    const [[status]] = (await sql(PURGE_PORT, ["SHOW MASTER STATUS"])) as [{ File: string }[]];
    // MariaDB keeps a binlog until its background checkpoint has moved past it: purge until it is gone.
    await waitFor(
      async () => {
        const [logs] = (
          await sql(PURGE_PORT, [`PURGE BINARY LOGS TO '${status?.File}'`, "SHOW BINARY LOGS"])
        ).slice(1) as [{ Log_name: string }[]];
        return !logs.some((l) => l.Log_name === position?.file);
      },
      10_000,
      `${position?.file} to be purged`,
    );

    const tailer = spawnTailer("purge-task", TTL);
    started.push(tailer);
    expect(await tailer.exited).toBe(1);
    const task = await defaultTaskStore().get("purge-task");
    expect(task?.phase).toBe("failed");
    expect(task?.lastError?.error).toBe("BinlogPurgedError");
    expect(task?.lastError?.cause).toContain(`the source no longer has binlog ${position?.file}`);
    expect(task?.lastError?.cause).toMatch(/`dts restart <task> --from-scratch` loads the data again/);
    // Resuming cannot help: the error says which command does.
    const resumed = await dts(["resume", "purge-task"]);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toMatch(
      /^dts: task purge-task cannot go on: .*`dts restart purge-task --from-scratch` loads the data again from a new position/,
    );
    expect(tailer.output()).not.toMatch(/retrying/);
  });
});
