import { expect, it } from "vitest";
import { apiDocument } from "#functions/api/app.ts";
import { memoryApi } from "../support/api-handler.ts";
import { spec } from "../support/spec-fixtures.ts";

const START = Date.UTC(2031, 0, 1);
const MINUTE = 60_000;

/** The API handler over in-memory stores on a clock the test moves. */
function historyApi() {
  let now = START;
  const { stores, call } = memoryApi({ now: () => now });
  const get = async (path: string, query?: Record<string, string>) => {
    const response = await call("GET", path, query ? { query } : {});
    return { status: response.statusCode, body: JSON.parse(response.body) };
  };
  const advance = (ms: number) => {
    now += ms;
  };
  return { store: stores.tasks, get, advance };
}

it("answers a task's history at GET /tasks/{name}/history, all of the last day or what came after since", async () => {
  const { store, get, advance } = historyApi();
  await store.saveSpec(spec({ name: "orders" }));
  for (let i = 0; i < 3; i++) {
    await store.appendHistory("orders", {
      at: new Date(START + i * MINUTE).toISOString(),
      latencySeconds: 0.5 + i,
      rowsPerSecond: 100 * i,
      appliedRows: 1000 * i,
    });
  }
  advance(3 * MINUTE);
  const all = await get("/tasks/orders/history");
  expect(all.status).toBe(200);
  expect(all.body.name).toBe("orders");
  expect(all.body.samples.map((s: { latencySeconds: number }) => s.latencySeconds)).toEqual([0.5, 1.5, 2.5]);
  const since = new Date(START + MINUTE).toISOString();
  const recent = await get("/tasks/orders/history", { since });
  expect(recent.body.samples).toEqual([
    {
      at: new Date(START + 2 * MINUTE).toISOString(),
      latencySeconds: 2.5,
      rowsPerSecond: 200,
      appliedRows: 2000,
    },
  ]);
  const byEpoch = await get("/tasks/orders/history", { since: String(START + MINUTE) });
  expect(byEpoch.body.samples).toEqual(recent.body.samples);
});

it("refuses a since that is not a time, naming the forms it takes, and a task that does not exist", async () => {
  const { store, get } = historyApi();
  await store.saveSpec(spec({ name: "orders" }));
  const bad = await get("/tasks/orders/history", { since: "yesterday" });
  expect(bad.status).toBe(400);
  expect(bad.body.message).toMatch(
    /since=yesterday is not a time: give an ISO time .* or epoch milliseconds/,
  );
  const missing = await get("/tasks/ghost/history");
  expect(missing.status).toBe(404);
});

it("documents the route with its since parameter in the OpenAPI document", () => {
  const paths = (
    apiDocument() as { paths: Record<string, Record<string, { parameters: { name: string }[] }>> }
  ).paths;
  expect(paths["/tasks/{name}/history"]?.get?.parameters.map((p) => p.name)).toEqual(["name", "since"]);
});
