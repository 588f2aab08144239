import { existsSync, readFileSync } from "node:fs";
import type { ExecutionStarter } from "#core/api/ports.ts";
import { type Logger, silentLogger } from "#core/logger.ts";
import type { TaskSpec } from "#core/spec/schema.ts";
import type { TaskStore } from "#core/store/task-store.ts";
import { type LocalExecution, runLocally } from "./runner.ts";

interface Running {
  id: string;
  done: Promise<LocalExecution>;
  stopRequested: boolean;
}

export interface LocalStarter extends ExecutionStarter {
  /** Resolves once every execution this starter began has ended (tests, shutdown). */
  idle(): Promise<void>;
}

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
}

/**
 * The execution starter of `dts serve`: runs the synthesized state machine in this process with the
 * local runner, in the background, exactly as `dts run` does. The local runner cannot interrupt a
 * state (its copy workers run in this process), so a stop asked for while an execution runs takes
 * effect when it ends: a tailer it launched is stopped at once (SIGTERM: checkpoint flushed first).
 */
export function localStarter(options: { store: TaskStore; log?: Logger }): LocalStarter {
  const { store } = options;
  const log = options.log ?? silentLogger;
  const running = new Map<string, Running>();

  /** SIGTERM to the tailer just launched; once it is gone the task is stopped (even if it had not started yet). */
  async function stopLaunchedTailer(task: string, execution: LocalExecution): Promise<void> {
    const tailer = (execution.output as { tailer?: { mode?: string; id?: string } } | undefined)?.tailer;
    const pid = Number(tailer?.id);
    if (tailer?.mode !== "local" || !(pid > 0)) return;
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
    const deadline = Date.now() + 60_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    if ((await store.get(task))?.phase === "incremental") await store.setPhase(task, "stopped");
    log.info("stopped the tailer the execution launched", { task, pid });
  }

  return {
    async start(spec: TaskSpec) {
      const id = `arn:aws:states:us-east-1:000000000000:execution:dts-local:${spec.name}-${Date.now()}`;
      const entry: Running = { id, stopRequested: false, done: Promise.resolve(undefined as never) };
      entry.done = runLocally(spec, (event) => {
        if (event.kind === "entered") log.info("state entered", { task: spec.name, state: event.state });
      })
        .catch(
          (error: unknown): LocalExecution => ({
            status: "FAILED",
            error: (error as Error).name ?? "Error",
            cause: (error as Error).message ?? String(error),
            definition: { text: "", functionsByState: {} },
            states: [],
          }),
        )
        .then(async (execution) => {
          const fields = {
            task: spec.name,
            execution: execution.status,
            ...(execution.error ? { error: { name: execution.error, message: execution.cause ?? "" } } : {}),
          };
          if (execution.status === "SUCCEEDED") log.info("execution ended", fields);
          else log.warn("execution ended", fields);
          if (entry.stopRequested) await stopLaunchedTailer(spec.name, execution).catch(() => undefined);
          if (running.get(spec.name) === entry) running.delete(spec.name);
          return execution;
        });
      running.set(spec.name, entry);
      return { executionId: id };
    },
    async running(task) {
      const entry = running.get(task);
      return entry ? [entry.id] : [];
    },
    async stop(task) {
      const entry = running.get(task);
      if (!entry) return { stopped: [] };
      entry.stopRequested = true;
      return {
        stopped: [entry.id],
        note: "the local execution finishes its current run (the local runner cannot interrupt a state), then the tailer it launched is stopped",
      };
    },
    async idle() {
      await Promise.all([...running.values()].map((entry) => entry.done));
    },
  };
}
