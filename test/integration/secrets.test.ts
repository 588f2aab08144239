import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultTaskStore } from "#core/store/index.ts";
import { localEnvironment } from "../../local/environment.ts";
import { type LocalApiServer, startApiServer } from "../../local/server.ts";
import { specInput } from "../support/spec-fixtures.ts";
import { dts, REPO, STACK, sql } from "../support/stack.ts";
import { waitFor } from "../support/tailer.ts";

/** A password planted in the spec and in data: no output path may ever show it. */
const SECRET = "PLANTED-pw-7Hq2";
const TASK = "secret-task";
const outputs: { what: string; text: string }[] = [];
let server: LocalApiServer | undefined;

const specOf = (overrides: Record<string, unknown> = {}) => ({
  ...specInput({
    name: TASK,
    source: { host: "127.0.0.1", port: STACK.source.port, user: "sec_reader", password: SECRET },
    destination: {
      type: "mysql",
      host: "127.0.0.1",
      port: STACK.destination.port,
      user: "sec_writer",
      password: SECRET,
    },
    objects: [{ database: "sec_db" }],
    fullLoad: { chunkRows: 100, parallelism: 1 },
  }),
  ...overrides,
});

function specFile(name: string, content: unknown): string {
  const file = join(tmpdir(), `dts-secret-${name}-${process.pid}.json`);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

async function cli(what: string, args: string[]) {
  const result = await dts(args);
  outputs.push({ what, text: result.stdout + result.stderr });
  return result;
}

beforeAll(async () => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  await sql(STACK.source.port, [
    "DROP DATABASE IF EXISTS sec_db",
    "CREATE DATABASE sec_db",
    "CREATE TABLE sec_db.t (id INT PRIMARY KEY, v VARCHAR(20))",
    "INSERT INTO sec_db.t VALUES (1, 'a'), (2, 'b')",
    `CREATE OR REPLACE USER 'sec_reader'@'%' IDENTIFIED BY '${SECRET}'`,
    "GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'sec_reader'@'%'",
    "CREATE DATABASE IF NOT EXISTS dts_health_check",
    "GRANT CREATE, INSERT, UPDATE ON dts_health_check.* TO 'sec_reader'@'%'",
  ]);
  await sql(STACK.destination.port, [
    "DROP DATABASE IF EXISTS sec_db",
    `CREATE OR REPLACE USER 'sec_writer'@'%' IDENTIFIED BY '${SECRET}'`,
    "GRANT ALL PRIVILEGES ON *.* TO 'sec_writer'@'%'",
  ]);
});

afterAll(async () => {
  await dts(["stop", TASK]);
  await server?.close();
  await sql(STACK.source.port, ["DROP DATABASE IF EXISTS sec_db", "DROP USER IF EXISTS 'sec_reader'@'%'"]);
  await sql(STACK.destination.port, [
    "DROP DATABASE IF EXISTS sec_db",
    "DROP USER IF EXISTS 'sec_writer'@'%'",
  ]);
});

describe("secrets never leave their field", () => {
  it("bad specs name the field without echoing a secret", async () => {
    const bad = [
      { source: { host: "127.0.0.1", user: "u", pasword: SECRET } },
      { source: { host: "127.0.0.1", user: "u", Password: SECRET } },
      { source: { host: "127.0.0.1", user: "u", password: 12, notes: SECRET } },
      { objects: [{ database: "sec_db", tables: [{ name: "t", columns: [{ name: 5, secret: SECRET }] }] }] },
    ];
    for (const [i, overrides] of bad.entries()) {
      const result = await cli(`precheck of bad spec ${i}`, [
        "precheck",
        specFile(`bad${i}`, specOf(overrides)),
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^dts: invalid task spec in .*: \$\.(source|objects)/);
    }
    const broken = `{"name": "x", "source": {"password": ${SECRET}}}`;
    const result = await cli("precheck of invalid JSON", ["precheck", specFile("broken", broken)]);
    expect(result.stderr).toMatch(/is not valid JSON: unexpected token/);
  });

  it("a task's status, API views, stored error and tailer log show no password", async () => {
    const file = specFile("good", specOf());
    const run = await cli("dts run", ["run", file]);
    expect(run.code, run.stderr).toBe(0);
    // A replicated statement that stops the task, holding credentials in a URL: its text is the error.
    await sql(STACK.source.port, [
      "CREATE TABLE sec_db.m (id INT) ENGINE=MyISAM",
      `CREATE TABLE sec_db.spy (id INT) ENGINE=MRG_MyISAM UNION=(sec_db.m) COMMENT 'mysql://u:${SECRET}@evil/db'`,
    ]);
    const store = defaultTaskStore();
    await waitFor(async () => (await store.get(TASK))?.phase === "failed", 30_000, "the task to stop");
    expect((await store.get(TASK))?.lastError?.cause).toMatch(
      /cannot be replayed faithfully.*mysql:\/\/\(hidden\)@evil/,
    );

    await cli("dts status --json", ["status", TASK, "--json"]);
    await cli("dts status", ["status", TASK]);
    server = await startApiServer({ port: 0 });
    for (const path of ["/tasks", `/tasks/${TASK}`]) {
      const response = await fetch(`${server.url}${path}`, {
        headers: { authorization: `Bearer ${server.token}` },
      });
      outputs.push({ what: `GET ${path}`, text: await response.text() });
    }
    const post = await fetch(`${server.url}/tasks`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
      body: JSON.stringify(specOf({ source: { host: "h", user: "u", pasword: SECRET } })),
    });
    outputs.push({ what: "POST /tasks with a misspelt key", text: await post.text() });
    outputs.push({
      what: "the tailer's log",
      text: readFileSync(join(REPO, ".stack", `tailer-${TASK}.log`), "utf8"),
    });

    const status = outputs.find((o) => o.what === "dts status --json")?.text ?? "";
    expect(status).toMatch(/"password": "\(hidden\)"/);
    for (const output of outputs) {
      expect(output.text, `${output.what} shows the planted secret`).not.toContain(SECRET);
      expect(output.text, `${output.what} shows a stack trace`).not.toMatch(/\n\s+at .*:\d+:\d+/);
    }
  });
});
