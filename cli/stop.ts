import type { DtsConfig } from "#core/config.ts";
import { DtsError } from "#core/errors.ts";
import { EXIT } from "./errors.ts";
import { cliTasks } from "./tasks.ts";

/**
 * `dts pause <task>` (alias `dts stop`): stops the task's steps, asks its tailer to stop gracefully
 * (what it read is applied and checkpointed first), waits for it, and leaves the task paused.
 * `dts resume <task>` goes on from there.
 */
export async function pauseCommand(
  name: string,
  options: { waitSeconds?: string },
  config: DtsConfig,
): Promise<number> {
  const { tasks } = cliTasks(config);
  const task = await tasks.find(name);
  if (!task) throw new DtsError(`no task named ${name}`);
  const { tailer, paused } = await tasks.pause(task, "dts pause");
  if (!paused && !tailer) {
    process.stdout.write(`Task ${name} is ${task.phase}: nothing to pause.\n`);
    return EXIT.ok;
  }
  if (tailer) {
    const waitSeconds = options.waitSeconds ?? 60;
    const ended = await tasks.awaitTailerStop(name, Number(waitSeconds) * 1000);
    if (!ended.stopped) {
      throw new DtsError(`the tailer of ${name} did not stop within ${waitSeconds} s: look at its log`);
    }
  }
  const position = (await tasks.checkpoint(name))?.position;
  const at = position ? `; checkpoint ${position.file}:${position.position}` : "";
  process.stdout.write(`Task ${name} paused${at}. \`dts resume ${name}\` goes on from there.\n`);
  return EXIT.ok;
}
