import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localLauncher } from "#core/adapters/tailer-launcher.ts";
import { localEnvironment } from "../../local/environment.ts";
import { accountsTask } from "../support/spec-fixtures.ts";
import { dts, REPO } from "../support/stack.ts";
import { alive, waitFor } from "../support/tailer.ts";
import { startWriter } from "../support/writer.ts";

const TASK = "crash-tailer";
let specFile: string;

function tailerPid(): number {
  return Number(readFileSync(join(REPO, ".stack", `tailer-${TASK}.pid`), "utf8"));
}

function leasesTaken(): number {
  try {
    return [
      ...readFileSync(join(REPO, ".stack", `tailer-${TASK}.log`), "utf8").matchAll(/"msg":"lease taken"/g),
    ].length;
  } catch {
    return 0;
  }
}

beforeAll(async () => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  // A short lease, so a restarted tailer takes over from a killed one within seconds.
  process.env.DTS_LEASE_TTL_MS = "2000";
  specFile = await accountsTask(TASK, "crash_db", 2000);
});

afterAll(async () => {
  await dts(["stop", TASK]);
});

describe("a tailer killed with SIGKILL at random moments", () => {
  it("resumes from its checkpoint every time and ends equal", async () => {
    const logFile = join(REPO, ".stack", `tailer-${TASK}.log`);
    const logStart = existsSync(logFile) ? readFileSync(logFile, "utf8").length : 0;
    const run = await dts(["run", specFile], { DTS_LEASE_TTL_MS: "2000" });
    expect(run.code).toBe(0);
    const writer = await startWriter("crash_db", "accounts", 11);
    const launcher = localLauncher(REPO);
    const before = leasesTaken();
    let seed = 3;
    for (let kill = 0; kill < 5; kill++) {
      // Kill only a tailer that is applying (it took the lease), at a pseudo-random moment.
      await waitFor(() => leasesTaken() > before + kill, 20_000, "the tailer to take the lease");
      seed = (seed * 7919 + 13) % 1000;
      await new Promise((resolve) => setTimeout(resolve, 400 + seed));
      const pid = tailerPid();
      expect(alive(pid)).toBe(true);
      process.kill(pid, "SIGKILL");
      await waitFor(() => !alive(pid), 5000, `tailer ${pid} to die`);
      const restarted = await launcher.launch(TASK);
      expect(restarted.alreadyRunning).toBe(false);
    }
    const committed = await writer.stop();
    expect(committed).toBeGreaterThan(10);

    const caughtUp = await dts(["run", specFile, "--until", "caught-up"]);

    // The tailer that was running applied everything: a failed one would make `dts run` start over.

    expect(caughtUp.stdout).toMatch(/is in incremental migration already/);
    expect(caughtUp.stdout).toMatch(/caught up/);
    const verify = await dts(["verify", specFile]);
    expect(verify.stdout).toMatch(/Equal/);
    expect(verify.code).toBe(0);
    await waitFor(() => leasesTaken() > before + 5, 20_000, "the last tailer to take the lease");
    const log = readFileSync(logFile, "utf8").slice(logStart);
    // Each restarted tailer took the lease with a new epoch after the killed one's expired (this
    // run's lines only: the log file keeps earlier runs').
    const epochs = [...log.matchAll(/"epoch":(\d+)[^\n]*"msg":"lease taken"/g)].map((m) => Number(m[1]));
    expect(epochs.length).toBeGreaterThanOrEqual(6);
    expect(new Set(epochs).size).toBe(epochs.length);
  });
});
