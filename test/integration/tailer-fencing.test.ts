import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultCheckpointStore, defaultTaskStore } from "#core/store/index.ts";
import { localEnvironment } from "../../local/environment.ts";
import { specInput } from "../support/spec-fixtures.ts";
import { dts, STACK, sql, startMariadb } from "../support/stack.ts";
import { spawnTailer, type TailerProcess, waitFor } from "../support/tailer.ts";

const PURGE_PORT = 33065;
const TTL = { DTS_LEASE_TTL_MS: "1500" };
const started: TailerProcess[] = [];
let stopPurgeServer: (() => Promise<void>) | undefined;

async function specFile(name: string, overrides: Parameters<typeof specInput>[0]): Promise<string> {
  const file = join(tmpdir(), `dts-${name}-${process.pid}.json`);
  await writeFile(
    file,
    JSON.stringify(specInput({ name, migrationTypes: ["schema", "full"], ...overrides })),
  );
  return file;
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
    expect((await dts(["run", file])).code).toBe(0);
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
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
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
    expect((await dts(["run", file])).code).toBe(0);
    const position = (await defaultTaskStore().get("purge-task"))?.position;
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
    expect(task?.lastError?.cause).toContain(`the source no longer has binlog ${position?.file}`);
    expect(task?.lastError?.cause).toMatch(/run the full load again/);
    expect(tailer.output()).not.toMatch(/retrying/);
  });
});
