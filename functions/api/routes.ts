/**
 * The API's routes, written down once: the Lambda routes by them, `dts serve` matches paths with
 * them, and the CDK API construct creates exactly these resources and methods.
 */
export const API_ROUTES = [
  { method: "POST", resource: "/tasks", operation: "create" },
  { method: "GET", resource: "/tasks", operation: "list" },
  { method: "GET", resource: "/tasks/{name}", operation: "get" },
  { method: "DELETE", resource: "/tasks/{name}", operation: "delete" },
  { method: "POST", resource: "/tasks/{name}/precheck", operation: "precheck" },
  { method: "POST", resource: "/tasks/{name}/pause", operation: "pause" },
  // The older name of pause, kept for scripts written against it.
  { method: "POST", resource: "/tasks/{name}/stop", operation: "stop" },
  { method: "POST", resource: "/tasks/{name}/resume", operation: "resume" },
  { method: "POST", resource: "/tasks/{name}/restart", operation: "restart" },
  // The tailer's metrics, one sample a minute for the last 24 hours (core/store/task-history.ts).
  { method: "GET", resource: "/tasks/{name}/history", operation: "history" },
  // The API's OpenAPI 3.1 document (core/api/openapi.ts), behind the same authorization as the rest.
  { method: "GET", resource: "/openapi.json", operation: "openapi" },
] as const;

export type ApiRoute = (typeof API_ROUTES)[number];
export type Operation = ApiRoute["operation"];

/** The API Gateway proxy event fields the handler reads (REST API, Lambda proxy integration). */
export interface ApiRequest {
  httpMethod: string;
  /** The resource template that matched, e.g. /tasks/{name}. */
  resource: string;
  path: string;
  pathParameters: Record<string, string | undefined> | null;
  body: string | null;
  /** The query string (API Gateway passes it; GET /tasks/{name}/history reads `since`). */
  queryStringParameters?: Record<string, string | undefined> | null;
  isBase64Encoded?: boolean;
  requestContext?: { requestId?: string };
}

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The resource template and path parameters of a concrete path, as API Gateway resolves them. */
export function resolvePath(
  path: string,
): { resource: string; pathParameters: Record<string, string> | null } | undefined {
  const segments = path.replace(/\/+$/, "").split("/").slice(1);
  for (const resource of new Set(API_ROUTES.map((r) => r.resource))) {
    const template = resource.split("/").slice(1);
    if (template.length !== segments.length) continue;
    const parameters: Record<string, string> = {};
    const matches = template.every((part, i) => {
      const segment = segments[i] ?? "";
      if (part.startsWith("{")) {
        if (segment === "") return false;
        try {
          parameters[part.slice(1, -1)] = decodeURIComponent(segment);
        } catch {
          return false;
        }
        return true;
      }
      return part === segment;
    });
    if (matches) return { resource, pathParameters: Object.keys(parameters).length > 0 ? parameters : null };
  }
  return undefined;
}
