import { DtsError } from "#core/errors.ts";
import { defaultCheckpointStore, defaultTaskStore } from "#core/store/index.ts";
import { EXIT } from "./errors.ts";

/** `dts stop <task>`: asks the tailer to stop gracefully (checkpoint flushed) and waits for it. */
export async function stopCommand(name: string, options: { waitSeconds?: string }): Promise<number> {
  const store = defaultTaskStore();
  if (!(await store.get(name))) throw new DtsError(`no task named ${name}`);
  const checkpoints = defaultCheckpointStore();
  const holder = await checkpoints.read(name);
  if (!holder?.owner || (holder.expiresAt ?? 0) < Date.now()) {
    process.stdout.write(`Task ${name} has no running tailer.\n`);
    return EXIT.ok;
  }
  await checkpoints.requestStop(name);
  const deadline = Date.now() + Number(options.waitSeconds ?? 60) * 1000;
  while (Date.now() < deadline) {
    const current = await checkpoints.read(name);
    if ((current?.expiresAt ?? 0) < Date.now()) {
      const position = current?.checkpoint?.position;
      process.stdout.write(
        `Task ${name} stopped; checkpoint ${position ? `${position.file}:${position.position}` : "none"}.\n`,
      );
      return EXIT.ok;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new DtsError(
    `the tailer of ${name} did not stop within ${options.waitSeconds ?? 60} s: look at its log`,
  );
}
