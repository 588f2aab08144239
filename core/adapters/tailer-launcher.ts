import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunTaskCommandInput, RunTaskCommandOutput } from "@aws-sdk/client-ecs";
import { childEnvironment, type EcsLauncherConfig, type LauncherConfig } from "../config.ts";
import { FatalError } from "../errors.ts";
import type { TailerLauncher } from "../task/tailer-start.ts";
import { isTailerCommand, tailerArguments } from "./tailer-command.ts";

/*
 * The TailerLauncher port is core/task/tailer-start.ts. Process checks are for local tailers only,
 * and only here. Whether a task's tailer is alive as
 * the task sees it (it holds the lease) is core/task/tailer-state.ts.
 */

/** True when `pid` is a live tailer of `task` (a pid in a stale file may belong to another process by now). */
function tailerProcessAlive(pid: number, task: string): boolean {
  try {
    if (/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"))) return false;
    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    const environment = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    return isTailerCommand(command) && environment.includes(`DTS_TASK=${task}`);
  } catch {
    return false;
  }
}

/**
 * Local: spawns the tailer (see tailer-command.ts) detached, logs to .stack/tailer-<task>.log, pid in .stack/.
 * The tailer gets this process's environment (the local stack's endpoints, the lease TTL).
 */
export function localLauncher(repo: string): TailerLauncher {
  return {
    async launch(task) {
      const dir = join(repo, ".stack");
      mkdirSync(dir, { recursive: true });
      const pidFile = join(dir, `tailer-${task}.pid`);
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, "utf8"));
        if (pid > 0 && tailerProcessAlive(pid, task))
          return { mode: "local", id: String(pid), alreadyRunning: true };
      }
      const log = openSync(join(dir, `tailer-${task}.log`), "a");
      const child = spawn(process.execPath, await tailerArguments(repo), {
        cwd: repo,
        detached: true,
        stdio: ["ignore", log, log],
        env: childEnvironment({ DTS_TASK: task }),
      });
      closeSync(log);
      child.unref();
      writeFileSync(pidFile, String(child.pid));
      return { mode: "local", id: String(child.pid), alreadyRunning: false };
    },
  };
}

/**
 * Local: stops the tailer process `pid` of `task` with SIGTERM (it applies and checkpoints what it
 * read first) and resolves once the process has exited, or after `timeoutMs`.
 */
export async function stopLocalTailer(task: string, pid: number, timeoutMs = 60_000): Promise<void> {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    // already gone
  }
  const deadline = Date.now() + timeoutMs;
  while (tailerProcessAlive(pid, task) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * RunTask's clientToken for a launch: ECS answers a repeated request with the same token with the
 * task it started the first time, so a retried launch starts no second tailer. ECS takes up to 64
 * printable ASCII characters; a SHA-256 in hex is exactly that, whatever the task name and key.
 */
export function runTaskToken(task: string, launchKey: string): string {
  return createHash("sha256").update(`dts tailer\0${task}\0${launchKey}`).digest("hex");
}

/** AWS: ECS RunTask of the tailer's Fargate task definition, as the stack configures it. */
export function ecsLauncher(
  config: Omit<EcsLauncherConfig, "mode">,
  send: (command: RunTaskCommandInput) => Promise<RunTaskCommandOutput> = runTask,
): TailerLauncher {
  return {
    async launch(task, launchKey) {
      const { cluster, taskDefinition, subnets, securityGroups } = config;
      if (!cluster || !taskDefinition || subnets.length === 0) {
        throw new FatalError(
          "the tailer's ECS service is not configured (DTS_TAILER_CLUSTER, DTS_TAILER_TASK_DEFINITION, DTS_TAILER_SUBNETS): deploy the stack's tailer service",
        );
      }
      const result = await send({
        cluster,
        taskDefinition,
        launchType: "FARGATE",
        count: 1,
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets,
            securityGroups,
            assignPublicIp: "DISABLED",
          },
        },
        overrides: {
          containerOverrides: [{ name: "tailer", environment: [{ name: "DTS_TASK", value: task }] }],
        },
        startedBy: `dts-${task}`.slice(0, 36),
        ...(launchKey ? { clientToken: runTaskToken(task, launchKey) } : {}),
      });
      const failure = result.failures?.[0];
      if (failure)
        throw new FatalError(
          `ECS could not start the tailer: ${failure.reason ?? "unknown"} (${failure.detail ?? ""})`,
        );
      return { mode: "ecs", id: result.tasks?.[0]?.taskArn ?? "", alreadyRunning: false };
    },
  };
}

async function runTask(input: RunTaskCommandInput): Promise<RunTaskCommandOutput> {
  const { ECSClient, RunTaskCommand } = await import("@aws-sdk/client-ecs");
  return new ECSClient({}).send(new RunTaskCommand(input));
}

/** The launcher the config names (DTS_TAILER_LAUNCH: local, or ecs by default). */
export function tailerLauncher(config: LauncherConfig): TailerLauncher {
  return config.mode === "local" ? localLauncher(config.repo) : ecsLauncher(config);
}
