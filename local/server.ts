import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tailerLauncher } from "#core/adapters/tailer-launcher.ts";
import type { ExecutionStarter } from "#core/api/ports.ts";
import { processStores } from "#core/api/task-step.ts";
import { TaskApi } from "#core/api/tasks.ts";
import { SpecError } from "#core/errors.ts";
import { asLogger, type Logger, silentLogger } from "#core/logger.ts";
import { livePrecheckPorts } from "#core/precheck/live-ports.ts";
import { runPrecheck } from "#core/precheck/run.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { ensureLocalTables } from "#core/store/local-tables.ts";
import { type ApiLog, apiHandler } from "#functions/api/app.ts";
import { type ApiRequest, resolvePath } from "#functions/api/routes.ts";
import { type LocalStarter, localStarter } from "./api-starter.ts";
import { TaskHistory } from "./console-history.ts";
import { handleConsole, startHistorySampler } from "./console-routes.ts";
import { localDefinition } from "./definition.ts";
import type { ServeBackend } from "./deployed-stack.ts";
import { localConfig } from "./environment.ts";
import { generateToken, guardRequest, isLoopbackHost, tokenProblem } from "./request-guard.ts";

/** Request bodies are task specs: a megabyte is far more than any needs. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface LocalApiServer {
  /** http://host:port, without a trailing slash. */
  url: string;
  /** The token every request must carry (`Authorization: Bearer <token>`); never logged. */
  token: string;
  server: Server;
  /** What it serves: "the local stack", or "stack Dts in eu-west-1". */
  label: string;
  executions: ExecutionStarter;
  /** The console's bounded metrics history (local/console-history.ts). */
  history: TaskHistory;
  /** Stops accepting requests and waits for executions this server started to end. */
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

/** No CORS headers, ever: browsers then keep every cross-origin response from the page. */
function sendJson(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  const safe = Object.entries(headers).filter(([name]) => !/^access-control-/i.test(name));
  response.writeHead(status, {
    ...Object.fromEntries(safe),
    "content-type": headers["content-type"] ?? "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  response.end(body);
}

/** The token to require: the caller's (checked), else a fresh random one. */
function chooseToken(token: string | undefined): string {
  if (token === undefined) return generateToken();
  const problem = tokenProblem(token);
  if (problem) throw new SpecError(`the API token ${problem}`);
  return token;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The node:http request as the API Gateway proxy event the Lambda receives. */
function toApiRequest(request: IncomingMessage, body: string, requestId: string): ApiRequest {
  const url = new URL(request.url ?? "/", "http://localhost");
  const path = url.pathname;
  const resolved = resolvePath(path);
  // As API Gateway passes them: the query string's parameters (GET /tasks/{name}/history?since=).
  const query = Object.fromEntries(url.searchParams);
  return {
    httpMethod: request.method ?? "GET",
    resource: resolved?.resource ?? path,
    path,
    pathParameters: resolved?.pathParameters ?? null,
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    body: body === "" ? null : body,
    isBase64Encoded: false,
    requestContext: { requestId },
  };
}

/** The local stack: DynamoDB Local, and the local runner in place of Step Functions. */
async function localBackend(log: Logger): Promise<ServeBackend> {
  const config = localConfig();
  await ensureLocalTables(documentClient(), tableNames());
  // Synthesizing the state machine holds the event loop for seconds (3 s here, more on a busy
  // machine); done now, before the first request, it does not stall a running API.
  await localDefinition();
  const stores = processStores();
  const executions: LocalStarter = localStarter({ store: stores.store, log });
  return {
    label: "the local stack",
    stores,
    executions,
    launcher: tailerLauncher(config.launcher),
    // Locally a spec may carry passwords (the demo's do); any secret ARN is read with the caller's credentials.
    secrets: { requireSecretArns: false },
    idle: () => executions.idle(),
  };
}

/**
 * `dts serve`: the API's handler (functions/api) behind node:http, against the local stack
 * (DynamoDB Local, the MariaDB servers) with the local runner in place of Step Functions, or
 * against a deployed stack's tables, state machine and tailer cluster (options.backend).
 * It listens on a loopback address only, and every request passes local/request-guard.ts: a
 * loopback Host and Origin, the per-run token (options.token, else a random one), JSON bodies.
 */
export async function startApiServer(
  options: {
    port?: number;
    host?: string;
    token?: string;
    log?: ApiLog;
    /** How often the console's history samples every task (default 5 s). */
    historyIntervalMs?: number;
    /** Where the tasks are: a deployed stack (local/deployed-stack.ts); the local stack by default. */
    backend?: ServeBackend;
  } = {},
): Promise<LocalApiServer> {
  const listenHost = options.host ?? "127.0.0.1";
  if (!isLoopbackHost(listenHost)) {
    throw new SpecError(
      `dts serve listens on a loopback address only (127.0.0.0/8, ::1, localhost), not "${listenHost}"`,
    );
  }
  const token = chooseToken(options.token);
  const log = options.log ? asLogger(options.log) : silentLogger;
  const backend = options.backend ?? (await localBackend(log));
  const { executions } = backend;
  const api = new TaskApi({
    ...backend.stores,
    executions,
    // Resuming a task in its incremental phase starts its tailer again, as `dts resume` does.
    launcher: backend.launcher,
    // Deployed too, the precheck runs here: it connects to the databases from this machine.
    precheck: (spec, precheckOptions) => runPrecheck(spec, livePrecheckPorts, precheckOptions),
    secrets: backend.secrets,
  });
  const handle = apiHandler(() => api, log);
  const history = new TaskHistory();
  const stopSampling = startHistorySampler(api, history, options.historyIntervalMs ?? 5000, log);
  let sequence = 0;
  let port = 0;
  const server = createServer((request, response) => {
    const requestId = `local-${++sequence}`;
    const started = Date.now();
    void (async () => {
      let status: number;
      // The web console's files and history (local/console-routes.ts), each behind its guard.
      if (await handleConsole(request, response, { guard: () => ({ port, token }), history })) return;
      const verdict = guardRequest(
        { method: request.method ?? "GET", headers: request.headers },
        { port, token },
      );
      if (!verdict.allow) {
        status = verdict.status;
        // The body is never read: close the connection rather than drain what a stranger sent.
        const body = `${JSON.stringify({ error: verdict.error, message: verdict.message })}\n`;
        sendJson(response, status, body, { connection: "close" });
        log.warn("request refused", {
          requestId,
          method: request.method,
          path: request.url,
          status,
          error: { name: verdict.error, message: verdict.message },
        });
        return;
      }
      try {
        const result = await handle(toApiRequest(request, await readBody(request), requestId));
        status = result.statusCode;
        sendJson(response, result.statusCode, result.body, result.headers);
      } catch (error) {
        const tooLarge = error instanceof BodyTooLarge;
        status = tooLarge ? 413 : 400;
        const body = tooLarge
          ? {
              error: "PayloadTooLarge",
              message: "the request body is over 1 MiB: a task spec is far smaller",
            }
          : {
              error: "InvalidRequest",
              message: `the request could not be read: ${(error as Error).message}`,
            };
        sendJson(response, status, `${JSON.stringify(body)}\n`);
      }
      log.info("request", {
        requestId,
        method: request.method,
        path: request.url,
        status,
        ms: Date.now() - started,
      });
    })();
  });
  // The in-process executions still hold the event loop now and then. A client reuses an idle
  // connection for up to the server's keep-alive (fetch: that minus 1 s); with Node's 5 s default a
  // stall of ~5 s let the server drop a connection the client had just sent a request on
  // (ECONNRESET). Idle connections are cheap here: keep them far longer than any stall.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8080, listenHost, () => resolve());
  });
  const address = server.address() as AddressInfo;
  port = address.port;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    token,
    server,
    label: backend.label,
    executions,
    history,
    async close() {
      stopSampling();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await backend.idle();
    },
  };
}
