import { ApiError, errorResponse } from "#core/api/errors.ts";
import { openApiDocument } from "#core/api/openapi.ts";
import type { TaskApi } from "#core/api/tasks.ts";
import { asLogger, type Logger, type LogSink } from "#core/logger.ts";
import { jsonSyntaxProblem } from "#core/spec/json.ts";
import { API_ROUTES, type ApiRequest, type ApiResponse, type Operation } from "./routes.ts";

/** The API's logger, or a sink for its lines (`() => undefined` drops them). */
export type ApiLog = Logger | LogSink;

function respond(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return {
    statusCode,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    body: `${JSON.stringify(body, null, 2)}\n`,
  };
}

function parseBody(request: ApiRequest): unknown {
  const text = request.isBase64Encoded
    ? Buffer.from(request.body ?? "", "base64").toString("utf8")
    : (request.body ?? "");
  if (text.trim() === "")
    throw new ApiError(
      400,
      "InvalidRequest",
      "the request has no body: send the task spec as JSON (see `dts schema`)",
    );
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(
      400,
      "InvalidJson",
      `the request body is not valid JSON (${jsonSyntaxProblem(text, error)}): send the task spec as a JSON object`,
    );
  }
}

function taskName(request: ApiRequest): string {
  const name = request.pathParameters?.name;
  if (!name) throw new ApiError(400, "InvalidRequest", "the path names no task: use /tasks/{name}");
  return name;
}

let document: Record<string, unknown> | undefined;

/** The OpenAPI document of these routes (built once: the schemas do not change while running). */
export function apiDocument(): Record<string, unknown> {
  document ??= openApiDocument(API_ROUTES);
  return document;
}

async function run(tasks: () => TaskApi, operation: Operation, request: ApiRequest): Promise<ApiResponse> {
  if (operation === "openapi") return respond(200, apiDocument());
  const api = tasks();
  switch (operation) {
    case "create": {
      const created = await api.create(parseBody(request));
      return respond(created.restarted ? 202 : 201, created, { location: `/tasks/${created.name}` });
    }
    case "list":
      return respond(200, { tasks: await api.list() });
    case "get":
      return respond(200, await api.get(taskName(request)));
    case "precheck":
      return respond(200, await api.precheck(taskName(request)));
    case "pause":
    case "stop": {
      const outcome = await api.pause(taskName(request));
      const stopping = outcome.stopping.tailer || outcome.stopping.executions.length > 0;
      return respond(stopping ? 202 : 200, outcome);
    }
    case "resume":
      return respond(202, await api.resume(taskName(request)));
    case "restart":
      return respond(202, await api.restart(taskName(request), request.body ? parseBody(request) : null));
    case "delete":
      return respond(200, await api.remove(taskName(request)));
    case "history":
      return respond(200, await api.history(taskName(request), request.queryStringParameters?.since));
  }
}

/**
 * The API handler: routes an API Gateway proxy request to the task operations and answers JSON,
 * errors included ({error, message}). `dts serve` runs this same function behind node:http.
 * Unexpected failures (500) are logged with the request id the answer names.
 */
export function apiHandler(api: () => TaskApi, log: ApiLog): (request: ApiRequest) => Promise<ApiResponse> {
  const logger = asLogger(log);
  return async (request) => {
    const requestId = request.requestContext?.requestId;
    const routes = API_ROUTES.filter((r) => r.resource === request.resource);
    const route = routes.find((r) => r.method === request.httpMethod.toUpperCase());
    try {
      if (routes.length === 0) {
        const paths = [...new Set(API_ROUTES.map((r) => `${r.method} ${r.resource}`))].join(", ");
        throw new ApiError(404, "NotFound", `there is no ${request.path}: the API has ${paths}`);
      }
      if (!route) {
        const allowed = routes.map((r) => r.method).join(", ");
        return respond(
          405,
          {
            error: "MethodNotAllowed",
            message: `${request.path} accepts ${allowed}, not ${request.httpMethod}`,
          },
          { allow: allowed },
        );
      }
      return await run(api, route.operation, request);
    } catch (error) {
      const { status, body } = errorResponse(error, requestId);
      if (status >= 500) {
        logger.error("request failed", {
          requestId,
          route: route ? `${route.method} ${route.resource}` : request.path,
          task: request.pathParameters?.name,
          status,
          error,
        });
      }
      return respond(status, body);
    }
  };
}
