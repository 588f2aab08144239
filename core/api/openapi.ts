import { z } from "zod";
import { specJsonSchema } from "../spec/load.ts";
import {
  answerRegistry,
  created,
  deleted,
  errorBody,
  paused,
  precheck,
  restartBody,
  taskHistory,
  taskList,
  taskView,
} from "./answer-schemas.ts";

/**
 * The API's OpenAPI 3.1 document (GET /openapi.json), built from the routes the handler and the
 * CDK construct both read (functions/api/routes.ts) and from zod schemas: the task spec's (the one
 * POST /tasks validates with, as `dts schema` prints it) and the answers' (./answer-schemas.ts).
 */

type Answer = [status: number, schema: string, description: string];

interface OperationDoc {
  summary: string;
  body?: string;
  /** Query parameters, as OpenAPI parameter objects. */
  query?: Record<string, unknown>[];
  answers: Answer[];
}

function id(schema: z.ZodType): string {
  const name = answerRegistry.get(schema)?.id;
  if (!name) throw new Error("an answer schema is not in the answer registry (core/api/answer-schemas.ts)");
  return name;
}
const notFound: Answer = [404, id(errorBody), "No task by that name (TaskNotFound)"];
const running: Answer = [409, id(errorBody), "The task is running: pause it first (TaskRunning)"];
const pausing: Answer[] = [
  [200, id(paused), "Nothing was running: the task is paused"],
  [202, id(paused), "Pausing: GET /tasks/{name} shows phase paused once it is"],
  notFound,
];

/** What each operation does and answers; a route whose operation is missing here fails to compile. */
const OPERATIONS = {
  create: {
    summary: "Validate the spec and run the task; a task that exists goes on from where it is",
    body: "TaskSpec",
    answers: [
      [201, id(created), "The task was stored and started"],
      [202, id(created), "The task existed and goes on from where it was"],
      [400, id(errorBody), "The body is not JSON, or not a valid spec (InvalidSpec names each JSON path)"],
      [409, id(errorBody), "The task is running, or going on would load it again or lose changes"],
      [502, id(errorBody), "The task was stored but its execution did not start: send it again"],
    ],
  },
  list: {
    summary: "Every task with its phase, position, progress, latency and last error",
    answers: [[200, id(taskList), "The tasks"]],
  },
  get: { summary: "One task in detail", answers: [[200, id(taskView), "The task"], notFound] },
  delete: {
    summary: "Remove a paused or ended task's state (the destination's data stays)",
    answers: [[200, id(deleted), "The task was deleted"], notFound, running],
  },
  precheck: {
    summary: "Run every precheck item against the stored spec and store the report",
    answers: [[200, id(precheck), "The report, passed or not"], notFound, running],
  },
  pause: {
    summary: "Stop the task's steps; its tailer checkpoints what it applied and stops",
    answers: pausing,
  },
  stop: { summary: "The older name of pause, kept for scripts written against it", answers: pausing },
  resume: {
    summary: "Go on with a paused or failed task from its checkpoint",
    answers: [[202, id(created), "The task goes on"], notFound, running],
  },
  restart: {
    summary: "Load the task again from scratch (schema, full load) from a new binlog position",
    body: id(restartBody),
    answers: [
      [202, id(created), "The task starts again from scratch"],
      [400, id(errorBody), 'The body is not {"fromScratch": true}'],
      notFound,
      running,
    ],
  },
  history: {
    summary: "The tailer's latency and throughput, one sample a minute for the last 24 hours",
    query: [
      {
        name: "since",
        in: "query",
        required: false,
        description:
          "Only samples after this time (ISO 8601 or epoch milliseconds): a chart polls what is new",
        schema: { type: "string" },
      },
    ],
    answers: [
      [200, id(taskHistory), "The samples, oldest first"],
      [400, id(errorBody), "since is not a time"],
      notFound,
    ],
  },
  openapi: {
    summary: "This document",
    answers: [[200, "OpenApiDocument", "The API's OpenAPI 3.1 document"]],
  },
} satisfies Record<string, OperationDoc>;

export type DocumentedOperation = keyof typeof OPERATIONS;

/** A route as functions/api/routes.ts lists it. */
export interface DocumentedRoute {
  method: string;
  resource: string;
  operation: DocumentedOperation;
}

const SECURITY_SCHEMES = {
  sigv4: {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description:
      "Deployed (API Gateway, IAM authorization): sign each request with AWS Signature Version 4 for service execute-api in the API's region, as an identity allowed execute-api:Invoke on the API",
    "x-amazon-apigateway-authtype": "awsSigv4",
  },
  bearerToken: {
    type: "http",
    scheme: "bearer",
    description:
      "dts serve: the token it prints when it starts (DTS_API_TOKEN chooses it); the x-dts-token header carries it too",
  },
};

const json = (schema: string) => ({
  "application/json": { schema: { $ref: `#/components/schemas/${schema}` } },
});

/** The registered schemas as JSON Schema 2020-12 (OpenAPI 3.1's dialect), the spec's included. */
function componentSchemas(): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(answerRegistry, {
    io: "output",
    metadata: answerRegistry,
    uri: (name) => `#/components/schemas/${name}`,
    override: ({ jsonSchema }) => {
      // Answers may grow fields: documented ones are promised, others may be ignored.
      if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
    },
  });
  // $id and $schema belong to standalone schemas; in a component they would misplace $refs.
  const component = ({ $id: _, $schema: __, ...rest }: Record<string, unknown>) => rest;
  return {
    ...Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, component(schema)])),
    TaskSpec: component(specJsonSchema() as Record<string, unknown>),
    OpenApiDocument: { type: "object", required: ["openapi", "info", "paths"] },
  };
}

function pathParameters(resource: string): unknown[] {
  const spec = specJsonSchema() as { properties: Record<string, unknown> };
  return [...resource.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: "path",
    required: true,
    ...(name === "name" ? { description: "The task's name", schema: spec.properties.name } : {}),
  }));
}

/** The OpenAPI 3.1 document of the API whose routes are `routes`. */
export function openApiDocument(routes: readonly DocumentedRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const doc: OperationDoc = OPERATIONS[route.operation];
    const parameters = [...pathParameters(route.resource), ...(doc.query ?? [])];
    const responses = Object.fromEntries(
      doc.answers.map(([status, schema, description]) => [
        String(status),
        { description, content: json(schema) },
      ]),
    );
    const path = paths[route.resource] ?? {};
    paths[route.resource] = path;
    path[route.method.toLowerCase()] = {
      operationId: route.operation,
      summary: doc.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(doc.body ? { requestBody: { required: true, content: json(doc.body) } } : {}),
      responses: {
        ...responses,
        default: {
          description:
            "Any other error: 401/403 unauthenticated or refused, 405, 413, 415, 422, 429 throttled, 500",
          content: json(id(errorBody)),
        },
      },
    };
  }
  return {
    openapi: "3.1.1",
    info: {
      title: "dts task API",
      version: "v1",
      description:
        "Create, watch, pause and resume data migration tasks. The same API runs deployed (API Gateway, SigV4) and under `dts serve` (bearer token). Errors are JSON: {error, message}.",
    },
    servers: [
      {
        url: "https://{restApiId}.execute-api.{region}.amazonaws.com/v1",
        description: "Deployed: the stack's ApiUrl output",
        variables: { restApiId: { default: "restApiId" }, region: { default: "us-east-1" } },
      },
      { url: "http://127.0.0.1:8080", description: "dts serve (its default address)" },
    ],
    security: [{ sigv4: [] }, { bearerToken: [] }],
    paths,
    components: { schemas: componentSchemas(), securitySchemes: SECURITY_SCHEMES },
  };
}
