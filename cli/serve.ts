import type { Command } from "commander";
import { SpecError } from "#core/errors.ts";
import { EXIT } from "./errors.ts";

/**
 * Registers `dts serve [--port 8080] [--host 127.0.0.1]`. Loading this module is cheap: the
 * server (local runner, SDK clients) is imported only when the command runs.
 */
export function registerServe(program: Command, run: (action: () => Promise<number>) => () => Promise<void>) {
  program
    .command("serve")
    .description("serve the task API on this machine: the API's handlers against the local stack")
    .option("--port <port>", "TCP port to listen on", "8080")
    .option("--host <address>", "address to listen on (there is no authentication)", "127.0.0.1")
    .action((options: { port?: string; host?: string }) => run(() => serveCommand(options))());
}

/** Serves the API until SIGINT or SIGTERM, then waits for the executions it started. */
export async function serveCommand(options: { port?: string; host?: string }): Promise<number> {
  const port = Number(options.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SpecError(`--port takes a TCP port number (0-65535), not "${options.port}"`);
  }
  const { startApiServer } = await import("../local/server.ts");
  const log = (entry: Record<string, unknown>) => process.stderr.write(`${JSON.stringify(entry)}\n`);
  const server = await startApiServer({ port, host: options.host ?? "127.0.0.1", log });
  process.stdout.write(
    [
      `dts API on ${server.url} (the local stack; no authentication)`,
      `  curl -s ${server.url}/tasks`,
      `  curl -s -X POST ${server.url}/tasks -H 'content-type: application/json' --data @examples/shop-to-mysql.json`,
      "Ctrl-C stops it.\n",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
  });
  process.stdout.write("stopping: waiting for the executions it started to end (tailers keep running)\n");
  await server.close();
  return EXIT.ok;
}
