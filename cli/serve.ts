import type { Command } from "commander";
import type { DtsConfig } from "#core/config.ts";
import { SpecError } from "#core/errors.ts";
import { createLogger, useProcessLogger } from "#core/logger.ts";
import { isLoopbackHost } from "../local/request-guard.ts";
import { EXIT } from "./errors.ts";

/**
 * Registers `dts serve [--port 8080] [--host 127.0.0.1]`. Loading this module is cheap: the
 * server (local runner, SDK clients) is imported only when the command runs.
 */
export function registerServe(
  program: Command,
  run: (action: (config: DtsConfig) => Promise<number>) => () => Promise<void>,
) {
  program
    .command("serve")
    .description(
      "serve the task API and its web console on this machine (loopback only, with a per-run token): the API's handlers against the local stack",
    )
    .option("--port <port>", "TCP port to listen on", "8080")
    .option("--host <address>", "loopback address to listen on (127.0.0.0/8, ::1, localhost)", "127.0.0.1")
    .action((options: { port?: string; host?: string }) => run((config) => serveCommand(options, config))());
}

/**
 * The options checked before anything starts: a user mistake is exit 2 with one line. (A bad
 * DTS_API_TOKEN was refused with the rest of the environment, core/config.ts.)
 */
function checkOptions(options: { port?: string; host?: string }) {
  const port = Number(options.port ?? 8080);
  if (options.port?.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SpecError(`--port takes a TCP port number (0-65535), not "${options.port}"`);
  }
  const host = options.host ?? "127.0.0.1";
  if (!isLoopbackHost(host)) {
    throw new SpecError(
      `--host takes a loopback address (127.0.0.0/8, ::1 or localhost), not "${host}": the local API has no authentication beyond its token, so it is never exposed to the network; for remote use deploy the API to AWS (docs/deploy.md)`,
    );
  }
  return { port, host };
}

/**
 * Serves the API until SIGINT or SIGTERM, then waits for the executions it started. Its log (the
 * requests, and the handlers of the executions it runs) is JSON lines on stderr.
 */
export async function serveCommand(
  options: { port?: string; host?: string },
  config: DtsConfig,
): Promise<number> {
  const envToken = config.api.token;
  const { port, host } = checkOptions(options);
  const { startApiServer } = await import("../local/server.ts");
  const log = createLogger(config.log, { destination: process.stderr });
  useProcessLogger(log);
  const server = await startApiServer({ port, host, log, ...(envToken ? { token: envToken } : {}) });
  // The token goes to stdout once, here, for the user to copy; it is never logged.
  const bearer = envToken ? "$DTS_API_TOKEN" : server.token;
  const auth = `-H "authorization: Bearer ${bearer}"`;
  process.stdout.write(
    [
      `dts API on ${server.url} (the local stack; loopback only)`,
      envToken
        ? `web console: ${server.url}/ (paste the token from DTS_API_TOKEN)`
        : `web console: ${server.url}/#token=${server.token}`,
      envToken
        ? "every request needs the token from DTS_API_TOKEN: authorization: Bearer $DTS_API_TOKEN"
        : `every request needs this run's token: authorization: Bearer ${server.token}`,
      `  curl -s ${auth} ${server.url}/tasks`,
      `  curl -s -X POST ${auth} -H 'content-type: application/json' --data @examples/shop-to-mysql.json ${server.url}/tasks`,
      `  curl -s -X POST ${auth} -H 'content-type: application/json' ${server.url}/tasks/shop-to-mysql/stop`,
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
