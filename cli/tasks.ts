import { tailerLauncher } from "#core/adapters/tailer-launcher.ts";
import { TaskService } from "#core/api/task-service.ts";
import { processStores } from "#core/api/task-step.ts";
import type { DtsConfig } from "#core/config.ts";
import type { Logger } from "#core/logger.ts";
import { type LocalStarter, localStarter } from "../local/api-starter.ts";
import type { StateEvent } from "../local/runner.ts";

export interface CliTasks {
  /** The task operations the API runs too (core/api/task-service.ts). */
  tasks: TaskService;
  /** Executions run in this process by the local runner: only `dts run` starts one, and waits for it. */
  executions: LocalStarter;
}

/**
 * The task service as the CLI's commands use it: this process's stores, the local runner for
 * executions (`onEvent` sees their states), and the configured tailer launcher.
 */
export function cliTasks(
  config: DtsConfig,
  options: { log?: Logger; onEvent?: (event: StateEvent) => void } = {},
): CliTasks {
  const stores = processStores();
  const executions = localStarter({
    store: stores.store,
    log: options.log,
    onEvent: (_task, event) => options.onEvent?.(event),
  });
  const tasks = new TaskService({
    ...stores,
    executions,
    launcher: tailerLauncher(config.launcher),
    origin: "CLI",
  });
  return { tasks, executions };
}
