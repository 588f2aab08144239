import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEnvironment } from "../../local/environment.ts";
import { accountsTask } from "../support/spec-fixtures.ts";
import { dts, REPO, STACK, sql } from "../support/stack.ts";
import { waitFor } from "../support/tailer.ts";
import { startWriter } from "../support/writer.ts";

const TASK = "retry-tailer";
let specFile: string;

/** Local ports of the tailer's TCP connections to a server port (ss names the owning pid). */
function tailerPorts(pid: number, serverPort: number): number[] {
  const lines = execFileSync("ss", ["-tnpH", "state", "established"], { encoding: "utf8" }).split("\n");
  return lines
    .filter((line) => line.includes(`pid=${pid},`) && line.includes(`127.0.0.1:${serverPort} `))
    .map((line) => Number(/127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:/.exec(line)?.[1]))
    .filter((port) => port !== serverPort && port > 0);
}

/** Kills, on the server, the sessions opened from those local ports. */
async function killSessions(serverPort: number, ports: number[]): Promise<number> {
  const [rows] = (await sql(serverPort, ["SELECT ID, HOST FROM information_schema.PROCESSLIST"])) as [
    { ID: number; HOST: string }[],
  ];
  const victims = rows.filter((r) => ports.includes(Number(r.HOST.split(":")[1])));
  for (const victim of victims) await sql(serverPort, [`KILL ${victim.ID}`]).catch(() => undefined);
  return victims.length;
}

beforeAll(async () => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  specFile = await accountsTask(TASK, "retry_db", 500);
});

afterAll(async () => {
  await dts(["stop", TASK]);
});

describe("lost connections during incremental migration", () => {
  it("are retried within the retry window, and nothing is lost", async () => {
    expect((await dts(["run", specFile])).code).toBe(0);
    const pid = Number(readFileSync(join(REPO, ".stack", `tailer-${TASK}.pid`), "utf8"));
    const log = () => readFileSync(join(REPO, ".stack", `tailer-${TASK}.log`), "utf8");
    const before = log().length;
    await waitFor(
      () => log().slice(before).includes('"msg":"lease taken"'),
      15_000,
      "the tailer to take its lease",
    );
    const writer = await startWriter("retry_db", "accounts", 5);
    await new Promise((resolve) => setTimeout(resolve, 800));
    // Cut the tailer's destination sessions and its binlog stream while changes flow.
    await waitFor(
      () => tailerPorts(pid, STACK.destination.port).length > 0,
      10_000,
      "the tailer's destination connection",
    );
    expect(
      await killSessions(STACK.destination.port, tailerPorts(pid, STACK.destination.port)),
    ).toBeGreaterThan(0);
    expect(await killSessions(STACK.source.port, tailerPorts(pid, STACK.source.port))).toBeGreaterThan(0);
    await waitFor(
      () => log().slice(before).includes("connection lost, retrying"),
      15_000,
      "the tailer to retry",
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await writer.stop();

    const caughtUp = await dts(["run", specFile, "--until", "caught-up"]);

    // The tailer that was running applied everything: a failed one would make `dts run` start over.

    expect(caughtUp.stdout).toMatch(/is in incremental migration already/);
    expect(caughtUp.stdout).toMatch(/caught up/);
    const verify = await dts(["verify", specFile]);
    expect(verify.stdout).toMatch(/Equal/);
    expect(verify.code).toBe(0);
    expect((await dts(["status", TASK])).stdout).toMatch(/^Phase\s+incremental$/m);
  });
});
