import { stopLocalTailer } from "#core/adapters/tailer-launcher.ts";
import type { ExecutionStarter } from "#core/api/ports.ts";
import { taskReference } from "#core/api/task-step.ts";
import { FatalError } from "#core/errors.ts";
import { type Logger, silentLogger } from "#core/logger.ts";
import type { TaskSpec } from "#core/spec/schema.ts";
import type { TaskStore } from "#core/store/task-store.ts";
import type { LocalExecution, StateEvent } from "./runner.ts";

interface Running {
  id: string;
  /** The run as the runner ends it: rejects when the runner could not run it at all. */
  outcome: Promise<LocalExecution>;
  /** The run once its ending was handled: a runner error is a FAILED execution here. */
  done: Promise<LocalExecution>;
  stopRequested: boolean;
}

export interface LocalStarter extends ExecutionStarter {
  /**
   * The end of an execution this starter began and is still running: what the runner returned,
   * or the error it threw (`dts run` reports that error as it is).
   */
  outcome(executionId: string): Promise<LocalExecution>;
  /** Resolves once every execution this starter began has ended (tests, shutdown). */
  idle(): Promise<void>;
}

/**
 * The execution starter of the local front doors (`dts serve`, `dts run`): runs the synthesized
 * state machine in this process with the local runner, in the background; `onEvent` sees each
 * state it enters, retries or catches. The local runner cannot interrupt a state (its copy workers
 * run in this process), so a stop asked for while an execution runs takes effect when it ends: a
 * tailer it launched is stopped at once (SIGTERM: checkpoint flushed first).
 */
export function localStarter(options: {
  store: TaskStore;
  log?: Logger;
  onEvent?: (task: string, event: StateEvent) => void;
}): LocalStarter {
  const { store } = options;
  const log = options.log ?? silentLogger;
  const running = new Map<string, Running>();

  /** Stops the tailer just launched; once it is gone the task is stopped (even if it had not started yet). */
  async function stopLaunchedTailer(task: string, execution: LocalExecution): Promise<void> {
    const tailer = (execution.output as { tailer?: { mode?: string; id?: string } } | undefined)?.tailer;
    const pid = Number(tailer?.id);
    if (tailer?.mode !== "local" || !(pid > 0)) return;
    await stopLocalTailer(task, pid);
    if ((await store.get(task))?.phase === "incremental") await store.setPhase(task, "paused");
    log.info("stopped the tailer the execution launched", { task, pid });
  }

  /** Runs the state machine; loaded when first used, so a command that runs none does not load it. */
  async function run(spec: TaskSpec): Promise<LocalExecution> {
    const { runLocally } = await import("./runner.ts");
    // The spec was saved: the execution names the task, as the API's do in AWS.
    return runLocally(taskReference(spec.name), (event) => {
      if (event.kind === "entered") log.info("state entered", { task: spec.name, state: event.state });
      options.onEvent?.(spec.name, event);
    });
  }

  return {
    async start(spec: TaskSpec) {
      const id = `arn:aws:states:us-east-1:000000000000:execution:dts-local:${spec.name}-${Date.now()}`;
      const outcome = run(spec);
      const entry: Running = { id, outcome, stopRequested: false, done: Promise.resolve(undefined as never) };
      entry.done = outcome
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
    async outcome(executionId) {
      const entry = [...running.values()].find((e) => e.id === executionId);
      if (!entry) throw new FatalError(`no execution ${executionId} is running in this process`);
      return entry.outcome;
    },
    async idle() {
      await Promise.all([...running.values()].map((entry) => entry.done));
    },
  };
}
