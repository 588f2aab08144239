import { spawnSync } from "node:child_process";
import { REPO_ROOT } from "#infra/paths.ts";

/**
 * Makes `name` a new task for the next `dts run`: a run left by an earlier benchmark is paused
 * (its tailer flushes and stops) and its state deleted. `dts run` never loads an existing task
 * again, so every measured run starts from this.
 */
export function freshTask(name: string): void {
  for (const argv of [
    ["pause", name],
    ["delete", name, "--yes"],
  ])
    spawnSync("node", ["bin/dts.js", ...argv], { cwd: REPO_ROOT, stdio: "ignore" });
}
