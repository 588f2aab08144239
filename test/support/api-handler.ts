import type { ExecutionStarter } from "#core/api/ports.ts";
import { TaskApi } from "#core/api/tasks.ts";
import { memoryStores } from "#core/store/memory.ts";
import { apiHandler } from "#functions/api/app.ts";
import { type ApiRequest, type ApiResponse, resolvePath } from "#functions/api/routes.ts";

/** Executions that never run: start answers, nothing is ever running. */
const idle: ExecutionStarter = {
  start: async () => ({ executionId: "e" }),
  running: async () => [],
  stop: async () => ({ stopped: [] }),
};

/**
 * The API handler as the Lambda runs it, over in-memory stores on the caller's clock (precheck is
 * not wired); `call` sends one request the way API Gateway would shape it.
 */
export function memoryApi(options: { now: () => number; executions?: ExecutionStarter }) {
  const stores = memoryStores(options.now);
  const api = new TaskApi({
    store: stores.tasks,
    ledger: stores.ledger,
    checkpoints: stores.checkpoints,
    executions: options.executions ?? idle,
    now: options.now,
    precheck: async () => {
      throw new Error("not used");
    },
    secrets: { requireSecretArns: false },
  });
  const handle = apiHandler(
    () => api,
    () => undefined,
  );
  const call = (
    method: string,
    path: string,
    options: { body?: unknown; query?: Record<string, string> } = {},
  ): Promise<ApiResponse> => {
    const resolved = resolvePath(path);
    const request: ApiRequest = {
      httpMethod: method,
      resource: resolved?.resource ?? path,
      path,
      pathParameters: resolved?.pathParameters ?? null,
      queryStringParameters: options.query ?? null,
      body: options.body === undefined ? null : JSON.stringify(options.body),
    };
    return handle(request);
  };
  return { stores, call };
}
