import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { localEnvironment } from "../../local/environment.ts";
import { dts, REPO } from "./stack.ts";

export interface TailerProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts the tailer's entry point for a task, as Fargate or the local launcher would. */
export function spawnTailer(task: string, env: Record<string, string> = {}): TailerProcess {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", `${REPO}container/main.ts`], {
    cwd: REPO,
    env: { ...process.env, DTS_TASK: task, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Whether process `pid` runs (a zombie, killed but not reaped, does not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

/** The pid a local server or tailer of this checkout's stack wrote to .stack/`file`. */
export function pidOf(file: string): number {
  return Number(readFileSync(join(REPO, ".stack", file), "utf8"));
}

/**
 * For a test file whose tasks run on the local stack with a 2 s lease (a restarted tailer takes
 * over from a killed one within seconds): the environment is set before, and every task pushed
 * on the returned list is stopped after.
 */
export function localTasksWithShortLease(): string[] {
  const tasks: string[] = [];
  beforeAll(() => {
    for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
    process.env.DTS_LEASE_TTL_MS = "2000";
  });
  afterAll(async () => {
    for (const task of tasks) await dts(["stop", task]);
  });
  return tasks;
}
