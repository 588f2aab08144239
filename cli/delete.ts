import type { DtsConfig } from "#core/config.ts";
import { DtsError } from "#core/errors.ts";
import { confirm } from "./confirm.ts";
import { EXIT } from "./errors.ts";
import { cliTasks } from "./tasks.ts";

/** `dts delete <task>`: removes a paused (or ended) task's state; the destination's data stays. */
export async function deleteCommand(
  name: string,
  options: { yes?: boolean },
  config: DtsConfig,
): Promise<number> {
  const { tasks } = cliTasks(config);
  const task = await tasks.find(name);
  if (!task) throw new DtsError(`no task named ${name}`);
  await confirm(
    `Delete task ${name} (phase ${task.phase})? Its position, checkpoint and chunk ledger are removed; the destination's data stays.`,
    options.yes,
  );
  await tasks.remove(task);
  process.stdout.write(`Task ${name} deleted; the destination's data is untouched.\n`);
  return EXIT.ok;
}
