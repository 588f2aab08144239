import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiDocument } from "#functions/api/app.ts";
import { localEnvironment } from "../../local/environment.ts";
import { type LocalApiServer, startApiServer } from "../../local/server.ts";

let server: LocalApiServer;

beforeAll(async () => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  server = await startApiServer({ port: 0 });
});

afterAll(async () => {
  await server?.close();
});

describe("GET /openapi.json under dts serve", () => {
  it("answers the API's OpenAPI document to a caller with the token, and refuses one without", async () => {
    const response = await fetch(`${server.url}/openapi.json`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(apiDocument());
    // The document is no secret, but dts serve keeps one rule for every API path: the token.
    const anonymous = await fetch(`${server.url}/openapi.json`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: "Unauthorized" });
  });
});

describe("query parameters under dts serve", () => {
  it("reach the API as API Gateway passes them: a bad `since` of GET /tasks/{name}/history is named", async () => {
    const response = await fetch(`${server.url}/tasks/no-such-task/history?since=yesterday`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    // Without the query string the task would be looked up first, and answered 404.
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: "InvalidRequest",
      message: expect.stringContaining("since"),
    });
  });
});
