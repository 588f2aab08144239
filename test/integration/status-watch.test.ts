import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultTaskStore } from "#core/store/index.ts";
import { localEnvironment } from "../../local/environment.ts";
import { forgetTask, spec } from "../support/spec-fixtures.ts";
import { REPO } from "../support/stack.ts";
import { waitFor } from "../support/tailer.ts";

/*
 * `dts status <task> --watch` as a user runs it on the local stack, its output piped (a block per
 * refresh): it follows the task's phase, Ctrl-C ends it with exit 0, and it ends by itself (exit 1)
 * when the task fails.
 */

const TASK = "status-watch";

beforeAll(async () => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
});

afterAll(async () => {
  await forgetTask(TASK);
});

/** Starts the watch; `output()` is what it printed so far, `exit` its exit code. */
function watch() {
  const child = spawn("node", [`${REPO}bin/dts.js`, "status", TASK, "--watch", "--interval", "0.5"], {
    cwd: REPO,
    env: process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data: Buffer) => {
    stdout += data.toString();
  });
  child.stderr.on("data", (data: Buffer) => {
    stderr += data.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exit, output: () => stdout, errors: () => stderr };
}

describe("dts status --watch", () => {
  it("follows the task's phase until Ctrl-C (exit 0), then until the task fails (exit 1)", async () => {
    await forgetTask(TASK);
    const store = defaultTaskStore();
    await store.saveSpec(spec({ name: TASK }));

    const first = watch();
    await waitFor(() => first.output().includes("Phase        created"), 30_000, "the first frame");
    await store.setPhase(TASK, "prechecking");
    await waitFor(
      () => first.output().includes("Phase        prechecking"),
      10_000,
      "a frame after the move",
    );
    first.child.kill("SIGINT");
    expect(await first.exit, first.errors()).toBe(0);
    expect(first.output()).not.toContain("\x1b");

    const second = watch();
    await waitFor(() => second.output().includes("Phase        prechecking"), 30_000, "the first frame");
    await store.recordFailure(TASK, { error: "FatalError", cause: "watched to the end", state: "Precheck" });
    expect(await second.exit, second.errors()).toBe(1);
    expect(second.output()).toMatch(/Phase +failed \(failed: `dts resume status-watch` goes on/);
    expect(second.output()).toContain("Error        FatalError: watched to the end");
  });
});
