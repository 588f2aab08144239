import { existsSync, readFileSync } from "node:fs";
import { request as httpRequest, type OutgoingHttpHeaders } from "node:http";
import { join } from "node:path";
import type { SFNClient } from "@aws-sdk/client-sfn";
import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executionName, stepFunctionsStarter } from "#core/api/step-functions.ts";
import { TaskApi } from "#core/api/tasks.ts";
import { livePrecheckPorts } from "#core/precheck/live-ports.ts";
import { runPrecheck } from "#core/precheck/run.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { defaultCheckpointStore, defaultChunkLedger, defaultTaskStore } from "#core/store/index.ts";
import { ensureLocalTables } from "#core/store/local-tables.ts";
import { apiHandler } from "#functions/api/app.ts";
import { localEnvironment } from "../../local/environment.ts";
import { type LocalApiServer, startApiServer } from "../../local/server.ts";
import { specInput } from "../support/spec-fixtures.ts";
import { REPO, STACK, sql } from "../support/stack.ts";
import { waitFor } from "../support/tailer.ts";

const TASK = "api-task";
const KEYLESS = "api-keyless";
const EARLY = "api-early-stop";
const CROSS_SITE = "api-cross-site";
const ROWS = 2000;
let server: LocalApiServer;

interface Reply {
  status: number;
  body: Record<string, unknown> & { error?: string; message?: string };
}

async function call(method: string, path: string, body?: unknown): Promise<Reply> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${server.token}` },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Reply["body"] };
}

/** A request with exactly these headers (fetch cannot set Host, and adds its own). */
function raw(
  method: string,
  path: string,
  headers: OutgoingHttpHeaders,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: Reply["body"] }> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: url.hostname.replace(/^\[|\]$/g, ""), port: url.port, path: url.pathname, method, headers },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(text) }),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/** The task's tailer pid when that process is alive and really is this task's tailer. */
function tailerPid(task: string): number | undefined {
  const file = join(REPO, ".stack", `tailer-${task}.pid`);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8"));
  try {
    if (/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"))) return undefined;
    const environment = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    return environment.includes(`DTS_TASK=${task}`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

const taskSpec = (name: string, database: string) =>
  specInput({
    name,
    objects: [{ database }],
    migrationTypes: ["schema", "full", "incremental"],
    fullLoad: { chunkRows: 500, parallelism: 2 },
  });

beforeAll(async () => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  await sql(STACK.source.port, [
    "DROP DATABASE IF EXISTS api_src",
    "CREATE DATABASE api_src",
    "CREATE TABLE api_src.accounts (id INT NOT NULL PRIMARY KEY, balance DECIMAL(12,2) NOT NULL, note VARCHAR(50))",
    `INSERT INTO api_src.accounts SELECT seq, seq, CONCAT('a', seq) FROM api_src.seq_1_to_${ROWS}`,
    "DROP DATABASE IF EXISTS api_early",
    "CREATE DATABASE api_early",
    "CREATE TABLE api_early.items (id INT NOT NULL PRIMARY KEY, name VARCHAR(20))",
    "INSERT INTO api_early.items SELECT seq, CONCAT('i', seq) FROM api_early.seq_1_to_300",
    "DROP DATABASE IF EXISTS api_nokey",
    "CREATE DATABASE api_nokey",
    "CREATE TABLE api_nokey.events (at DATETIME, payload TEXT)",
  ]);
  await sql(
    STACK.destination.port,
    ["api_src", "api_early", "api_nokey"].map((db) => `DROP DATABASE IF EXISTS ${db}`),
  );
  // Start from nothing: a previous run's tailers stopped, its tasks and checkpoints forgotten.
  for (const task of [TASK, EARLY]) {
    const stale = tailerPid(task);
    if (stale) process.kill(stale, "SIGTERM");
    await waitFor(() => tailerPid(task) === undefined, 30_000, "a previous run's tailer to exit");
  }
  const client = documentClient();
  await ensureLocalTables(client, tableNames());
  for (const task of [TASK, KEYLESS, EARLY, CROSS_SITE, "api-secrets"]) {
    await client.send(new DeleteCommand({ TableName: tableNames().tasks, Key: { name: task } }));
    await client.send(new DeleteCommand({ TableName: tableNames().checkpoints, Key: { task } }));
  }
  server = await startApiServer({ port: 0 });
});

afterAll(async () => {
  if (!server) return;
  await call("POST", `/tasks/${TASK}/stop`).catch(() => undefined);
  await server.close();
  // Never leave a tailer behind, even when a test failed half-way.
  for (const task of [TASK, EARLY]) {
    const pid = tailerPid(task);
    if (pid) process.kill(pid, "SIGTERM");
  }
});

describe("the task API, served locally (dts serve)", () => {
  it("cannot be driven by a web page: no token, a foreign Origin or Host, text/plain and preflights are refused", async () => {
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const host = new URL(server.url).host;
    const spec = JSON.stringify(taskSpec(CROSS_SITE, "api_src"));
    // What any page can send without a preflight: a text/plain POST with a valid spec, no token.
    const simple = await raw(
      "POST",
      "/tasks",
      { host, origin: "https://evil.example", "content-type": "text/plain;charset=UTF-8" },
      spec,
    );
    expect(simple).toMatchObject({ status: 403, body: { error: "ForbiddenOrigin" } });
    const noOrigin = await raw("POST", "/tasks", { host, "content-type": "text/plain" }, spec);
    expect(noOrigin).toMatchObject({ status: 401, body: { error: "Unauthorized" } });
    expect(noOrigin.body.message).toMatch(/Authorization: Bearer <token>/);
    // The token, but a page's Origin, or a rebound DNS name in Host.
    const auth = { authorization: `Bearer ${server.token}`, "content-type": "application/json" };
    const foreign = await raw("POST", "/tasks", { ...auth, host, origin: "https://evil.example" }, spec);
    expect(foreign).toMatchObject({ status: 403, body: { error: "ForbiddenOrigin" } });
    const port = new URL(server.url).port;
    const rebound = await raw("GET", `/tasks/${TASK}`, { ...auth, host: `evil.example:${port}` });
    expect(rebound).toMatchObject({ status: 403, body: { error: "ForbiddenHost" } });
    // The token and text/plain (a script's mistake): 415 names the fix.
    const plain = await raw("POST", "/tasks", { ...auth, host, "content-type": "text/plain" }, spec);
    expect(plain).toMatchObject({ status: 415, body: { error: "UnsupportedMediaType" } });
    // A wrong token; GETs need the token too (they show task details).
    const wrong = await raw("GET", "/tasks", { host, authorization: "Bearer not-the-token-at-all" });
    expect(wrong).toMatchObject({ status: 401 });
    expect(await raw("GET", "/tasks", { host })).toMatchObject({ status: 401 });
    const preflight = await raw("OPTIONS", "/tasks", {
      host,
      origin: "https://evil.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    });
    expect(preflight.status).toBe(403);
    for (const reply of [simple, noOrigin, foreign, rebound, plain, wrong, preflight]) {
      expect(Object.keys(reply.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
      expect(JSON.stringify(reply.body)).not.toContain(server.token);
    }
    // None of them created the task.
    expect(await defaultTaskStore().get(CROSS_SITE)).toBeUndefined();
    expect(await call("GET", `/tasks/${CROSS_SITE}`)).toMatchObject({ status: 404 });
    // The right token and JSON: answered, with no CORS headers either.
    const listed = await raw("GET", "/tasks", { ...auth, host });
    expect(listed.status).toBe(200);
    expect(Object.keys(listed.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
  });

  it("answers mistakes with JSON that says what to fix: the spec's JSON path, unknown tasks and paths", async () => {
    const bad = await call("POST", "/tasks", { ...taskSpec("api-bad", "api_src"), retryWindowMinutes: 5 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("InvalidSpec");
    expect(bad.body.message).toMatch(/\$\.retryWindowMinutes: must be between 10 and 1440 minutes/);
    expect(bad.body.problems).toEqual([
      expect.objectContaining({ path: "$.retryWindowMinutes", received: "5" }),
    ]);

    const typo = await call("POST", "/tasks", { ...taskSpec("api-bad", "api_src"), heartbaet: true });
    expect(typo.status).toBe(400);
    expect(typo.body.message).toMatch(/\$\.heartbaet: unknown field: did you mean "heartbeat"\?/);

    const notJson = await call("POST", "/tasks", "{ not json");
    expect(notJson).toMatchObject({ status: 400, body: { error: "InvalidJson" } });
    expect(notJson.body.message).toMatch(/send the task spec as a JSON object/);

    const empty = await call("POST", "/tasks");
    expect(empty).toMatchObject({ status: 400, body: { error: "InvalidRequest" } });

    const unknown = await call("GET", "/tasks/no-such-task");
    expect(unknown).toMatchObject({ status: 404, body: { error: "TaskNotFound" } });
    expect(unknown.body.message).toMatch(/create it with POST \/tasks/);
    expect((await call("POST", "/tasks/no-such-task/stop")).status).toBe(404);
    expect((await call("POST", "/tasks/no-such-task/precheck")).status).toBe(404);

    const path = await call("GET", "/jobs");
    expect(path).toMatchObject({ status: 404, body: { error: "NotFound" } });
    expect(path.body.message).toMatch(/GET \/tasks\/\{name\}/);
    const method = await call("PUT", "/tasks/api-task");
    expect(method).toMatchObject({ status: 405, body: { error: "MethodNotAllowed" } });

    // Nothing was stored for the invalid specs.
    expect((await call("GET", "/tasks/api-bad")).status).toBe(404);
  });

  it("creates a task, runs it through precheck and full load into incremental, shows its status, and stops its tailer", async () => {
    const created = await call("POST", "/tasks", taskSpec(TASK, "api_src"));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: TASK, restarted: false });
    expect(created.body.executionId).toMatch(/:execution:dts-local:api-task-\d+$/);

    // The spec cannot change under a running execution.
    const again = await call("POST", "/tasks", taskSpec(TASK, "api_src"));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: "TaskRunning" });
    expect(again.body.message).toMatch(/POST \/tasks\/api-task\/pause/);

    const phases: string[] = [];
    let view: Record<string, unknown> & {
      phase?: string;
      running?: { executions: string[]; tailer: { owner: string } | null };
    } = {};
    await waitFor(
      async () => {
        view = (await call("GET", `/tasks/${TASK}`)).body;
        if (view.phase && phases.at(-1) !== view.phase) phases.push(view.phase);
        if (view.phase === "failed") throw new Error(`the task failed: ${JSON.stringify(view.lastError)}`);
        return (
          view.phase === "incremental" && view.running?.tailer !== null && view.running?.tailer !== undefined
        );
      },
      120_000,
      "the task to reach incremental migration with its tailer running",
    );
    // The phases seen while polling come in the state machine's order.
    const order = [
      "created",
      "prechecking",
      "prechecked",
      "schema",
      "full-load",
      "building-indexes",
      "incremental",
    ];
    const seen = phases.map((p) => order.indexOf(p));
    expect(seen.every((index) => index >= 0)).toBe(true);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(view).toMatchObject({
      name: TASK,
      phase: "incremental",
      progressPercent: 100,
      lastError: null,
      precheck: { passed: true, problems: [] },
      schema: { tables: ["api_src.accounts"] },
      fullLoad: { percent: 100, rowsCopied: ROWS, estimatedRows: ROWS, chunks: 4, chunksDone: 4 },
      position: { file: expect.stringMatching(/^mysql-bin\.\d+$/) },
    });
    // Responses never carry passwords.
    expect(JSON.stringify(view)).not.toContain("dts-root");
    expect((view.spec as { source: { password: string } }).source.password).toBe("(hidden)");

    // Changes on the source arrive, and the status shows rows applied and the latency.
    await sql(STACK.source.port, [
      "INSERT INTO api_src.accounts VALUES (100001, 1.50, 'new'), (100002, 2.50, 'new')",
      "UPDATE api_src.accounts SET note = 'changed' WHERE id = 7",
    ]);
    await waitFor(
      async () => {
        const [rows] = (await sql(STACK.destination.port, [
          "SELECT COUNT(*) AS n FROM api_src.accounts WHERE id > 100000 OR note = 'changed'",
        ])) as [{ n: number }[]];
        return Number(rows[0]?.n) === 3;
      },
      30_000,
      "the changes to reach the destination",
    );
    await waitFor(
      async () => {
        view = (await call("GET", `/tasks/${TASK}`)).body;
        return ((view.incremental as { appliedRows?: number } | null)?.appliedRows ?? 0) >= 3;
      },
      30_000,
      "the status to count the applied changes",
    );
    expect(view.rows).toBeGreaterThanOrEqual(ROWS + 3);
    expect(view.latencySeconds).toEqual(expect.any(Number));
    expect(view.incremental).toMatchObject({ position: { file: expect.stringMatching(/^mysql-bin\./) } });

    const list = await call("GET", "/tasks");
    expect(list.status).toBe(200);
    expect(list.body.tasks).toContainEqual(
      expect.objectContaining({ name: TASK, phase: "incremental", progressPercent: 100 }),
    );

    // A precheck would reset the phase of a running task.
    expect(await call("POST", `/tasks/${TASK}/precheck`)).toMatchObject({
      status: 409,
      body: { error: "TaskRunning" },
    });

    const pid = tailerPid(TASK);
    expect(pid).toBeGreaterThan(0);
    const stop = await call("POST", `/tasks/${TASK}/stop`);
    expect(stop.status).toBe(202);
    expect(stop.body).toMatchObject({ name: TASK, stopping: { tailer: true, executions: [] } });
    await waitFor(
      async () => {
        view = (await call("GET", `/tasks/${TASK}`)).body;
        return view.phase === "paused" && view.running?.tailer === null;
      },
      60_000,
      "the tailer to stop and the task to show it",
    );
    // The process is gone, its checkpoint written.
    await waitFor(() => tailerPid(TASK) === undefined, 15_000, "the tailer process to exit");
    const checkpoint = (await defaultCheckpointStore().read(TASK))?.checkpoint;
    expect(checkpoint?.position.file).toMatch(/^mysql-bin\./);

    // Nothing runs any more: stopping again is a no-op, a precheck runs and is stored.
    const idle = await call("POST", `/tasks/${TASK}/stop`);
    expect(idle).toMatchObject({ status: 200, body: { stopping: { tailer: false, executions: [] } } });
    expect(idle.body.message).toBe(`task ${TASK} is paused: nothing to pause`);
    const precheck = await call("POST", `/tasks/${TASK}/precheck`);
    expect(precheck.status).toBe(200);
    // The destination tables are the task's own: no conflict.
    expect(precheck.body).toMatchObject({ name: TASK, passed: true });
    expect(precheck.body.checks).toContainEqual(
      expect.objectContaining({ id: "destination.table_conflicts", status: "pass" }),
    );
  });

  it("stops a task asked to stop while its execution runs: locally when the execution ends, tailer included", async () => {
    const created = await call("POST", "/tasks", taskSpec(EARLY, "api_early"));
    expect(created.status).toBe(201);
    const stop = await call("POST", `/tasks/${EARLY}/stop`);
    expect(stop.status).toBe(202);
    expect(stop.body).toMatchObject({ stopping: { executions: [created.body.executionId], tailer: false } });
    expect(stop.body.message).toMatch(/cannot interrupt a state/);
    let view: Record<string, unknown> = {};
    await waitFor(
      async () => {
        view = (await call("GET", `/tasks/${EARLY}`)).body;
        const running = view.running as { executions: string[]; tailer: unknown };
        return view.phase === "paused" && running.executions.length === 0 && running.tailer === null;
      },
      120_000,
      "the task to stop once its execution ended",
    );
    expect(tailerPid(EARLY)).toBeUndefined();
    expect(view).toMatchObject({ progressPercent: 100, lastError: null });
  });

  it("shows a failed precheck on the task, with each failed check and its fix", async () => {
    const created = await call("POST", "/tasks", taskSpec(KEYLESS, "api_nokey"));
    expect(created).toMatchObject({ status: 201, body: { restarted: false } });
    let view: Record<string, unknown> = {};
    await waitFor(
      async () => {
        view = (await call("GET", `/tasks/${KEYLESS}`)).body;
        return (
          view.phase === "precheck-failed" &&
          (view.running as { executions: string[] }).executions.length === 0
        );
      },
      60_000,
      "the precheck to fail",
    );
    expect(view.precheck).toMatchObject({
      passed: false,
      problems: expect.arrayContaining([
        expect.objectContaining({
          id: "source.table_keys",
          status: "fail",
          fix: expect.stringMatching(/add a primary key/),
        }),
      ]),
    });
    const precheck = await call("POST", `/tasks/${KEYLESS}/precheck`);
    expect(precheck).toMatchObject({ status: 200, body: { passed: false } });
  });
});

describe("the API as deployed (the Lambda's secret policy), against the local stack", () => {
  const deployed = apiHandler(
    () =>
      new TaskApi({
        store: defaultTaskStore(),
        ledger: defaultChunkLedger(),
        checkpoints: defaultCheckpointStore(),
        executions: {
          start: async () => {
            throw new Error("no execution may start for a refused spec");
          },
          running: async () => [],
          stop: async () => ({ stopped: [] }),
        },
        precheck: (spec, options) => runPrecheck(spec, livePrecheckPorts, options),
        secrets: { requireSecretArns: true, namePrefix: "dts/" },
      }),
    () => undefined,
  );
  const post = (body: unknown) =>
    deployed({
      httpMethod: "POST",
      resource: "/tasks",
      path: "/tasks",
      pathParameters: null,
      body: JSON.stringify(body),
      requestContext: { requestId: "test" },
    });

  it("refuses passwords in specs and secrets outside the stack's prefix, naming the JSON path", async () => {
    const withPassword = await post(taskSpec("api-secrets", "api_src"));
    expect(withPassword.statusCode).toBe(400);
    const body = JSON.parse(withPassword.body) as {
      error: string;
      problems: { path: string; message: string }[];
    };
    expect(body.error).toBe("InvalidSpec");
    expect(body.problems.map((p) => p.path)).toEqual(["$.source.password", "$.destination.password"]);
    expect(body.problems[0]?.message).toMatch(
      /Secrets Manager under a name starting with "dts\/".*passwordSecretArn/,
    );
    expect(withPassword.body).not.toContain("dts-root");

    const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
    const spec = specInput({ name: "api-secrets", objects: [{ database: "api_src" }] });
    const outside = await post({
      ...spec,
      source: { host: "10.0.0.5", user: "dts_reader", passwordSecretArn: arn("prod/shop-reader") },
      destination: {
        type: "mysql",
        host: "10.0.0.6",
        user: "dts_writer",
        passwordSecretArn: arn("dts/shop-writer"),
      },
    });
    expect(outside.statusCode).toBe(400);
    const problems = (JSON.parse(outside.body) as { problems: { path: string; message: string }[] }).problems;
    expect(problems).toEqual([
      expect.objectContaining({
        path: "$.source.passwordSecretArn",
        message: expect.stringMatching(/create the secret as dts\/prod\/shop-reader/),
      }),
    ]);
    expect(await defaultTaskStore().get("api-secrets")).toBeUndefined();
  });
});

describe("the Step Functions execution starter", () => {
  /** A stand-in for the SDK client (no Step Functions here): two running executions, one of ours. */
  function fakeClient() {
    const sent: { name: string; input: Record<string, unknown> }[] = [];
    const executions: Record<string, { input: string; status: string }> = {
      "arn:exec:console-1": { input: JSON.stringify({ name: TASK }), status: "RUNNING" },
      "arn:exec:other": { input: JSON.stringify({ name: "another-task" }), status: "RUNNING" },
      "arn:exec:api-1": { input: JSON.stringify({ task: TASK }), status: "RUNNING" },
      "arn:exec:api-other": { input: JSON.stringify({ task: "another-task" }), status: "RUNNING" },
    };
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        switch (command.constructor.name) {
          case "StartExecutionCommand":
            return { executionArn: `arn:exec:${String(command.input.name)}` };
          case "ListExecutionsCommand":
            return command.input.nextToken
              ? {
                  executions: ["other", "api-1", "api-other"].map((id) => ({
                    executionArn: `arn:exec:${id}`,
                  })),
                }
              : { executions: [{ executionArn: "arn:exec:console-1" }], nextToken: "page-2" };
          case "DescribeExecutionCommand":
            return executions[String(command.input.executionArn)];
          case "StopExecutionCommand":
            return {};
          default:
            throw new Error(`unexpected ${command.constructor.name}`);
        }
      },
    };
    return { client: client as unknown as SFNClient, sent };
  }

  it("starts an execution named after the task with the saved task as input, and finds and stops the task's running ones by their input", async () => {
    const { client, sent } = fakeClient();
    const starter = stepFunctionsStarter(
      "arn:aws:states:eu-west-1:123456789012:stateMachine:dts",
      client,
      () => 1_700_000_000_000,
    );
    const spec = parseTaskSpec(taskSpec(TASK, "api_src"));
    const { executionId } = await starter.start(spec);
    expect(executionId).toBe(`arn:exec:${executionName(TASK, 1_700_000_000_000)}`);
    expect(sent[0]).toMatchObject({
      name: "StartExecutionCommand",
      input: {
        stateMachineArn: "arn:aws:states:eu-west-1:123456789012:stateMachine:dts",
        name: "api-task-loyw3v28",
      },
    });
    // The spec was saved first: the input names the task, whatever the spec's size.
    expect(JSON.parse(String(sent[0]?.input.input))).toEqual({ task: spec.name });
    // Executions started from the console have any name and a whole spec: the input says whose they are.
    const mine = ["arn:exec:console-1", "arn:exec:api-1"];
    expect(await starter.running(TASK)).toEqual(mine);
    expect(await starter.stop(TASK, "POST /tasks/{name}/stop")).toEqual({ stopped: mine });
    expect(sent.filter((s) => s.name === "StopExecutionCommand")).toEqual(
      mine.map((executionArn) => ({
        name: "StopExecutionCommand",
        input: { executionArn, error: "TaskStopped", cause: "POST /tasks/{name}/stop" },
      })),
    );
    expect(executionName("x".repeat(80), 1_700_000_000_000).length).toBeLessThanOrEqual(80);
  });
});
