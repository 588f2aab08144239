import type { Command } from "commander";
import type { DtsConfig } from "#core/config.ts";
import { SpecError } from "#core/errors.ts";
import { createLogger, useProcessLogger } from "#core/logger.ts";
import { isLoopbackHost } from "../local/request-guard.ts";
import { EXIT } from "./errors.ts";

interface ServeOptions {
  port?: string;
  host?: string;
  stack?: string;
  region?: string;
}

/**
 * The operator's region as set before the CLI put the local stack's default in the environment
 * (local/environment.ts): without one, the AWS SDK reads the profile's.
 */
let operatorRegion: string | undefined;

/**
 * Registers `dts serve [--port 8080] [--host 127.0.0.1] [--stack <name> [--region <r>]]`. Loading
 * this module is cheap: the server (local runner, SDK clients) is imported only when the command runs.
 */
export function registerServe(
  program: Command,
  run: (action: (config: DtsConfig) => Promise<number>) => () => Promise<void>,
) {
  operatorRegion = process.env.AWS_REGION;
  program
    .command("serve")
    .description(
      "serve the task API and its web console on this machine (loopback only, with a per-run token): the API's handlers against the local stack, or a deployed one (--stack)",
    )
    .option("--port <port>", "TCP port to listen on", "8080")
    .option("--host <address>", "loopback address to listen on (127.0.0.0/8, ::1, localhost)", "127.0.0.1")
    .option(
      "--stack <name>",
      "serve a deployed stack's tasks instead (its DynamoDB tables, state machine and tailer cluster, named by its outputs) with your AWS credentials; precheck then connects to the databases from this machine",
    )
    .option("--region <region>", "the deployed stack's region (default: AWS_REGION, else your profile's)")
    .action((options: ServeOptions) => run((config) => serveCommand(options, config))());
}

/**
 * The options checked before anything starts: a user mistake is exit 2 with one line. (A bad
 * DTS_API_TOKEN was refused with the rest of the environment, core/config.ts.)
 */
function checkOptions(options: ServeOptions) {
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
  if (options.region !== undefined && options.stack === undefined)
    throw new SpecError("--region names the region of a deployed stack: pass --stack <name> with it");
  return { port, host };
}

/** The deployed stack's backend: its outputs read with the operator's credentials (local/deployed-stack.ts). */
async function stackBackend(stack: string, region: string | undefined) {
  const { checkStackOptions, deployedBackend, deployedConfig, readDeployedStack } = await import(
    "../local/deployed-stack.ts"
  );
  checkStackOptions({ stack, region });
  // The local stack's default region is no guess for a deployed stack: let the SDK find the operator's.
  if (operatorRegion === undefined) delete process.env.AWS_REGION;
  else process.env.AWS_REGION = operatorRegion;
  const deployed = await readDeployedStack({ stack, region });
  // Clients this process makes later (Secrets Manager, for the precheck) go to the stack's region too.
  process.env.AWS_REGION = deployed.region;
  return deployedBackend(deployed, deployedConfig(deployed));
}

/**
 * Serves the API until SIGINT or SIGTERM, then waits for the executions it started. Its log (the
 * requests, and the handlers of the executions it runs) is JSON lines on stderr.
 */
export async function serveCommand(options: ServeOptions, config: DtsConfig): Promise<number> {
  const envToken = config.api.token;
  const { port, host } = checkOptions(options);
  const backend = options.stack === undefined ? undefined : await stackBackend(options.stack, options.region);
  const { startApiServer } = await import("../local/server.ts");
  const log = createLogger(config.log, { destination: process.stderr });
  useProcessLogger(log);
  const server = await startApiServer({
    port,
    host,
    log,
    ...(envToken ? { token: envToken } : {}),
    ...(backend ? { backend } : {}),
  });
  // The token goes to stdout once, here, for the user to copy; it is never logged.
  const bearer = envToken ? "$DTS_API_TOKEN" : server.token;
  const auth = `-H "authorization: Bearer ${bearer}"`;
  process.stdout.write(
    [
      `dts API on ${server.url} (${server.label}; loopback only)`,
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
  process.stdout.write(
    backend
      ? "stopping (the stack's executions and tailers keep running)\n"
      : "stopping: waiting for the executions it started to end (tailers keep running)\n",
  );
  await server.close();
  return EXIT.ok;
}
