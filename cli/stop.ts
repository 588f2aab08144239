import type { DtsConfig } from "#core/config.ts";
import { DtsError } from "#core/errors.ts";
import { EXIT } from "./errors.ts";
import { cliTasks } from "./tasks.ts";

/** `dts stop <task>`: asks the tailer to stop gracefully (checkpoint flushed) and waits for it. */
export async function stopCommand(
  name: string,
  options: { waitSeconds?: string },
  config: DtsConfig,
): Promise<number> {
  const { tasks } = cliTasks(config);
  const task = await tasks.find(name);
  if (!task) throw new DtsError(`no task named ${name}`);
  const { tailer } = await tasks.stop(task, "dts stop");
  if (!tailer) {
    process.stdout.write(`Task ${name} has no running tailer.\n`);
    return EXIT.ok;
  }
  const waitSeconds = options.waitSeconds ?? 60;
  const ended = await tasks.awaitTailerStop(name, Number(waitSeconds) * 1000);
  if (!ended.stopped) {
    throw new DtsError(`the tailer of ${name} did not stop within ${waitSeconds} s: look at its log`);
  }
  const position = ended.checkpoint?.position;
  process.stdout.write(
    `Task ${name} stopped; checkpoint ${position ? `${position.file}:${position.position}` : "none"}.\n`,
  );
  return EXIT.ok;
}
