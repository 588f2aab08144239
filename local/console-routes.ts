import type { IncomingMessage, ServerResponse } from "node:http";
import type { TaskApi } from "#core/api/tasks.ts";
import type { Logger } from "#core/logger.ts";
import { consoleAsset, isConsolePath } from "./console-assets.ts";
import type { TaskHistory } from "./console-history.ts";
import { type GuardContext, type GuardVerdict, guardAsset, guardRequest } from "./request-guard.ts";

const HISTORY_PREFIX = "/console/history/";

export interface ConsoleContext {
  guard: () => GuardContext;
  history: TaskHistory;
}

function refuse(response: ServerResponse, verdict: Exclude<GuardVerdict, { allow: true }>): void {
  response.writeHead(verdict.status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    connection: "close",
  });
  response.end(`${JSON.stringify({ error: verdict.error, message: verdict.message })}\n`);
}

/**
 * Answers the console's requests (its static files, and a task's history for the charts) and
 * returns true, or returns false for any other request (the task API's). The files pass the
 * Host/Origin guard without a token; the history is data, so it needs the token like the API.
 */
export async function handleConsole(
  request: IncomingMessage,
  response: ServerResponse,
  context: ConsoleContext,
): Promise<boolean> {
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  const method = request.method ?? "GET";
  const guarded = { method, headers: request.headers };
  if (isConsolePath(path)) {
    const verdict = guardAsset(guarded, context.guard());
    if (!verdict.allow) refuse(response, verdict);
    else {
      let asset: Awaited<ReturnType<typeof consoleAsset>>;
      try {
        asset = await consoleAsset(path);
      } catch (error) {
        // A missing file is an installation problem (uPlot not installed): say which file.
        const message = `the console file for ${path} could not be read: ${(error as Error).message}; run npm ci`;
        response.writeHead(500, {
          "content-type": "application/json; charset=utf-8",
          "cache-control": "no-store",
        });
        response.end(`${JSON.stringify({ error: "ConsoleUnavailable", message })}\n`);
        return true;
      }
      response.writeHead(200, asset.headers);
      response.end(method.toUpperCase() === "HEAD" ? undefined : asset.body);
    }
    return true;
  }
  if (!path.startsWith(HISTORY_PREFIX)) return false;
  const verdict = guardRequest(guarded, context.guard());
  if (!verdict.allow) {
    refuse(response, verdict);
    return true;
  }
  const name = decodeURIComponent(path.slice(HISTORY_PREFIX.length));
  response.writeHead(200, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  response.end(`${JSON.stringify({ name, samples: context.history.samples(name) })}\n`);
  return true;
}

/**
 * Samples every task's latency and rows into the history every `intervalMs`; the timer does not
 * keep the process alive. Returns the function that stops it.
 */
export function startHistorySampler(
  api: Pick<TaskApi, "list">,
  history: TaskHistory,
  intervalMs: number,
  log: Logger,
): () => void {
  let busy = false;
  const sample = async () => {
    if (busy) return;
    busy = true;
    try {
      history.record(await api.list());
    } catch (error) {
      log.warn("console history sample failed", { error: { message: (error as Error).message } });
    } finally {
      busy = false;
    }
  };
  void sample();
  const timer = setInterval(() => void sample(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
