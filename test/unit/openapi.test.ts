import { Validator } from "@seriousme/openapi-schema-validator";
// Ajv is the OpenAPI validator's own JSON Schema engine; 2020-12 is OpenAPI 3.1's schema dialect.
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import type { ExecutionStarter } from "#core/api/ports.ts";
import { specJsonSchema } from "#core/spec/load.ts";
import { apiDocument, apiHandler } from "#functions/api/app.ts";
import { API_ROUTES, resolvePath } from "#functions/api/routes.ts";
import { memoryApi } from "../support/api-handler.ts";
import { specInput } from "../support/spec-fixtures.ts";

interface Operation {
  operationId: string;
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }>;
}
type Paths = Record<string, Record<string, Operation>>;

const document = apiDocument() as { paths: Paths; components: { schemas: Record<string, unknown> } };

/** Validates a value against a component, with every $ref resolved inside the document. */
function conforms(component: string, value: unknown): string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const check = ajv.compile({ components: document.components, $ref: `#/components/schemas/${component}` });
  return check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const NOW = Date.UTC(2031, 0, 1);

/** The API handler over in-memory stores; executions only record that they started. */
function localApi() {
  let live: string[] = [];
  const executions: ExecutionStarter = {
    async start() {
      live = ["execution-1"];
      return { executionId: "execution-1" };
    },
    running: async () => live,
    async stop() {
      const stopped = live;
      live = [];
      return { stopped };
    },
  };
  const { call } = memoryApi({ now: () => NOW, executions });
  return (method: string, path: string, body?: unknown) => call(method, path, { body });
}

describe("the API's OpenAPI document", () => {
  it("validates as OpenAPI 3.1, every $ref resolving", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    // The validator is not vacuous: an answer without its description, or a dangling $ref, fails.
    const broken = structuredClone(document);
    const listed = broken.paths["/tasks"]?.get?.responses["200"] as { description?: string };
    delete listed.description;
    expect((await new Validator().validate(broken)).valid).toBe(false);
    const dangling = structuredClone(document);
    const ok = dangling.paths["/tasks"]?.get?.responses["200"]?.content["application/json"];
    if (ok) ok.schema.$ref = "#/components/schemas/Nothing";
    expect((await new Validator().validate(dangling)).valid).toBe(false);
  });

  it("has schemas that compile as JSON Schema 2020-12 (OpenAPI 3.1's dialect)", () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      expect(
        () => ajv.compile({ components: document.components, ...(schema as object) }),
        name,
      ).not.toThrow();
    }
  });

  it("lists exactly the routes the handler serves, with the spec's own JSON Schema as POST /tasks's body", () => {
    const listed = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    );
    expect(listed.sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.resource} ${r.operation}`).sort());
    const { $schema: _, ...spec } = specJsonSchema() as Record<string, unknown>;
    expect(document.components.schemas.TaskSpec).toEqual(spec);
    expect(document.paths["/tasks"]?.post?.requestBody?.content["application/json"]?.schema.$ref).toBe(
      "#/components/schemas/TaskSpec",
    );
    // Every answer of every operation names a schema the document has; errors have {error, message}.
    for (const methods of Object.values(document.paths)) {
      for (const op of Object.values(methods)) {
        for (const answer of Object.values(op.responses)) {
          const ref = answer.content["application/json"]?.schema.$ref ?? "";
          expect(document.components.schemas[ref.replace("#/components/schemas/", "")], ref).toBeDefined();
        }
        expect(op.responses.default?.content["application/json"]?.schema.$ref).toBe(
          "#/components/schemas/Error",
        );
      }
    }
    expect(conforms("TaskSpec", specInput())).toEqual([]);
    expect(conforms("TaskSpec", { ...specInput(), name: "no spaces" }).join()).toMatch(/\/name/);
  });

  it("documents what the API answers: each answer validates against its route's schema for its status", async () => {
    const call = localApi();
    const answers = [
      ["POST", "/tasks", specInput({ name: "documented" })],
      ["POST", "/tasks", { name: "documented", source: 1 }],
      ["GET", "/tasks"],
      ["GET", "/tasks/documented"],
      ["POST", "/tasks/documented/resume"],
      ["POST", "/tasks/documented/pause"],
      ["POST", "/tasks/documented/restart", { fromScratch: false }],
      ["POST", "/tasks/documented/resume"],
      ["POST", "/tasks/documented/pause"],
      ["DELETE", "/tasks/documented"],
      ["GET", "/tasks/documented"],
      ["GET", "/openapi.json"],
    ] as const;
    const statuses: number[] = [];
    for (const [method, path, body] of answers) {
      const response = await call(method, path, body);
      statuses.push(response.statusCode);
      const resource = resolvePath(path)?.resource ?? path;
      const op = document.paths[resource]?.[method.toLowerCase()];
      const documented = op?.responses[String(response.statusCode)] ?? op?.responses.default;
      const ref = documented?.content["application/json"]?.schema.$ref ?? "";
      const problems = conforms(ref.replace("#/components/schemas/", ""), JSON.parse(response.body));
      expect(problems, `${method} ${path} answered ${response.statusCode}: ${response.body}`).toEqual([]);
    }
    // Started, refused, listed, shown, running (409), pausing, unconfirmed restart, resumed, paused, deleted, gone.
    expect(statuses).toEqual([201, 400, 200, 200, 409, 202, 400, 202, 202, 200, 404, 200]);
  });

  it("is served at GET /openapi.json by the API handler itself, needing no task store", async () => {
    const handle = apiHandler(
      () => {
        throw new Error("the document needs no task operations");
      },
      () => undefined,
    );
    const request = {
      httpMethod: "GET",
      resource: "/openapi.json",
      path: "/openapi.json",
      pathParameters: null,
    };
    const response = await handle({ ...request, body: null });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toEqual(document);
    const wrong = await handle({ ...request, httpMethod: "POST", body: null });
    expect(wrong.statusCode).toBe(405);
    const unknown = await handle({ ...request, resource: "/nothing", path: "/nothing", body: null });
    expect(JSON.parse(unknown.body).message).toContain("GET /openapi.json");
  });

  it("describes both ways in: SigV4 when deployed, the bearer token under dts serve", () => {
    const { security, components } = apiDocument() as {
      security: Record<string, string[]>[];
      components: { securitySchemes: Record<string, { type: string; scheme?: string; description: string }> };
    };
    expect(security).toEqual([{ sigv4: [] }, { bearerToken: [] }]);
    expect(components.securitySchemes.sigv4?.description).toMatch(/Signature Version 4.*execute-api/);
    expect(components.securitySchemes.bearerToken).toMatchObject({ type: "http", scheme: "bearer" });
  });
});
