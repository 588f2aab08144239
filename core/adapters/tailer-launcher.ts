import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FatalError } from "../errors.ts";

/** Starts the long-running tailer for a task: a Fargate task in AWS, a child process locally. */
export interface TailerLauncher {
  launch(task: string): Promise<{ mode: "local" | "ecs"; id: string; alreadyRunning: boolean }>;
}

/** True when `pid` is a live tailer of `task` (a pid in a stale file may belong to another process by now). */
function tailerAlive(pid: number, task: string): boolean {
  try {
    if (/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"))) return false;
    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    const environment = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    return command.includes("container/main.ts") && environment.includes(`DTS_TASK=${task}`);
  } catch {
    return false;
  }
}

/** Local: spawns container/main.ts detached, logs to .stack/tailer-<task>.log, pid in .stack/. */
export function localLauncher(repo: string): TailerLauncher {
  return {
    async launch(task) {
      const dir = join(repo, ".stack");
      mkdirSync(dir, { recursive: true });
      const pidFile = join(dir, `tailer-${task}.pid`);
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, "utf8"));
        if (pid > 0 && tailerAlive(pid, task))
          return { mode: "local", id: String(pid), alreadyRunning: true };
      }
      const log = openSync(join(dir, `tailer-${task}.log`), "a");
      const child = spawn(process.execPath, ["--import", "tsx", join(repo, "container", "main.ts")], {
        cwd: repo,
        detached: true,
        stdio: ["ignore", log, log],
        env: { ...process.env, DTS_TASK: task },
      });
      closeSync(log);
      child.unref();
      writeFileSync(pidFile, String(child.pid));
      return { mode: "local", id: String(child.pid), alreadyRunning: false };
    },
  };
}

/** AWS: ECS RunTask of the tailer's Fargate task definition, configured by the stack's environment. */
export function ecsLauncher(env: NodeJS.ProcessEnv = process.env): TailerLauncher {
  return {
    async launch(task) {
      const cluster = env.DTS_TAILER_CLUSTER;
      const taskDefinition = env.DTS_TAILER_TASK_DEFINITION;
      const subnets = (env.DTS_TAILER_SUBNETS ?? "").split(",").filter(Boolean);
      if (!cluster || !taskDefinition || subnets.length === 0) {
        throw new FatalError(
          "the tailer's ECS service is not configured (DTS_TAILER_CLUSTER, DTS_TAILER_TASK_DEFINITION, DTS_TAILER_SUBNETS): deploy the stack's tailer service",
        );
      }
      const { ECSClient, RunTaskCommand } = await import("@aws-sdk/client-ecs");
      const result = await new ECSClient({}).send(
        new RunTaskCommand({
          cluster,
          taskDefinition,
          launchType: "FARGATE",
          count: 1,
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets,
              securityGroups: (env.DTS_TAILER_SECURITY_GROUPS ?? "").split(",").filter(Boolean),
              assignPublicIp: "DISABLED",
            },
          },
          overrides: {
            containerOverrides: [{ name: "tailer", environment: [{ name: "DTS_TASK", value: task }] }],
          },
          startedBy: `dts-${task}`.slice(0, 36),
        }),
      );
      const failure = result.failures?.[0];
      if (failure)
        throw new FatalError(
          `ECS could not start the tailer: ${failure.reason ?? "unknown"} (${failure.detail ?? ""})`,
        );
      return { mode: "ecs", id: result.tasks?.[0]?.taskArn ?? "", alreadyRunning: false };
    },
  };
}

export function launcherFromEnvironment(env: NodeJS.ProcessEnv = process.env): TailerLauncher {
  if (env.DTS_TAILER_LAUNCH === "local") {
    if (!env.DTS_REPO)
      throw new FatalError("DTS_REPO must name the checkout when the tailer is launched locally");
    return localLauncher(env.DTS_REPO);
  }
  return ecsLauncher(env);
}
