import { join } from "node:path";
import { pathToFileURL } from "node:url";

/*
 * How a local tailer process is started and recognized: the bundle bin/cli-bundle.js builds from
 * the sources as they are (container/main.ts as `tailer.js`, as its container runs it), or the
 * TypeScript through tsx when no bundle can be built or DTS_NO_BUNDLE is set.
 */

/** Node's arguments for a tailer of the checkout `repo`. */
export async function tailerArguments(repo: string): Promise<string[]> {
  const builder = pathToFileURL(join(repo, "bin", "cli-bundle.js")).href;
  const { bundledTailer } = (await import(builder)) as {
    bundledTailer(repo: string): Promise<string | undefined>;
  };
  const bundled = await bundledTailer(repo);
  return bundled ? [bundled] : ["--import", "tsx", join(repo, "container", "main.ts")];
}

/** True when a process's /proc cmdline (arguments separated by NUL) is a tailer's, bundled or not. */
export function isTailerCommand(cmdline: string): boolean {
  return cmdline
    .split("\0")
    .some((arg) => arg.endsWith("container/main.ts") || /[/\\]cli-[^/\\]+[/\\]tailer\.js$/.test(arg));
}
