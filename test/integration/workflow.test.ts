import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { defaultTaskStore } from "#core/store/index.ts";
import { resolveDefinition, type Template } from "../../local/definition.ts";
import { runLocally } from "../../local/runner.ts";
import { forgetTask, specInput } from "../support/spec-fixtures.ts";
import { dts, REPO, STACK, sql } from "../support/stack.ts";

const run = promisify(execFile);

const SHOPS = ["wf_run", "wf_definition", "wf_status", "wf_invalid"];

beforeAll(async () => {
  await sql(
    STACK.source.port,
    SHOPS.flatMap((db) => [
      `DROP DATABASE IF EXISTS ${db}`,
      `CREATE DATABASE ${db}`,
      `CREATE TABLE ${db}.orders (id BIGINT PRIMARY KEY, status VARCHAR(20), KEY status_idx (status))`,
      `INSERT INTO ${db}.orders VALUES (1, 'new'), (2, 'paid'), (3, 'void')`,
    ]).concat([
      "DROP DATABASE IF EXISTS wf_nokey",
      "CREATE DATABASE wf_nokey",
      "CREATE TABLE wf_nokey.events (at DATETIME, payload TEXT)",
    ]),
  );
  await sql(
    STACK.destination.port,
    [...SHOPS, "wf_nokey"].map((db) => `DROP DATABASE IF EXISTS ${db}`),
  );
  // Each run below is a new task: a completed one is never run again.
  for (const task of ["wf-run", "wf-fail", "wf-invalid", "wf-definition", "wf-status"])
    await forgetTask(task);
});

describe("the task state machine, run locally", () => {
  it("runs precheck, position, schema and the chunked full load, recording each on the task", async () => {
    const entered: string[] = [];
    const spec = specInput({
      name: "wf-run",
      objects: [{ database: "wf_run" }],
      migrationTypes: ["schema", "full"],
    });
    const execution = await runLocally(spec, (e) => {
      if (e.kind === "entered") entered.push(e.state);
    });
    expect(execution.status).toBe("SUCCEEDED");
    expect(entered.filter((s) => s !== "CopyChunk")).toEqual([
      "Start",
      "Precheck",
      "PrecheckPassed?",
      "CapturePosition",
      "SchemaSelected?",
      "Schema",
      "FullSelected?",
      "PlanChunks",
      "PlanDone?",
      "CopyChunks",
      "FullLoadStatus",
      "FullLoadDone?",
      "BuildIndexes",
      "IndexesBuilt?",
      "IncrementalSelected?",
      "Done",
    ]);
    expect(entered.filter((s) => s === "CopyChunk")).toHaveLength(4);
    const task = await defaultTaskStore().get("wf-run");
    expect(task?.phase).toBe("completed");
    expect(task?.precheck?.passed).toBe(true);
    expect(task?.position?.file).toMatch(/^mysql-bin\.\d+$/);
    expect(task?.schema?.createdTables).toEqual(["wf_run.orders"]);
    expect(task?.fullLoad).toMatchObject({
      chunks: 1,
      estimatedRows: 3,
      rows: 3,
      completedAt: expect.any(String),
    });
    // The secondary index was left out of CREATE TABLE and built after the copy.
    expect(task?.indexes).toMatchObject({ tables: 1, pending: [], completedAt: expect.any(String) });
    expect(
      await sql(STACK.destination.port, [
        "SELECT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'wf_run' AND TABLE_NAME = 'orders' ORDER BY name",
      ]),
    ).toEqual([[{ name: "PRIMARY" }, { name: "status_idx" }]]);
    expect(await sql(STACK.destination.port, ["SELECT id, status FROM wf_run.orders ORDER BY id"])).toEqual([
      [
        { id: 1, status: "new" },
        { id: 2, status: "paid" },
        { id: 3, status: "void" },
      ],
    ]);
  });

  it("fails with PrecheckFailed naming the failed check, and stores the report", async () => {
    const execution = await runLocally(specInput({ name: "wf-fail", objects: [{ database: "wf_nokey" }] }));
    expect(execution.status).toBe("FAILED");
    expect(execution.error).toBe("PrecheckFailed");
    expect(execution.cause).toMatch(/source\.table_keys: no PRIMARY KEY .*wf_nokey\.events/);
    const task = await defaultTaskStore().get("wf-fail");
    expect(task?.phase).toBe("precheck-failed");
    expect(task?.precheck?.checks.find((c) => c.id === "source.table_keys")?.status).toBe("fail");
  });

  it("rejects an invalid spec given as the execution input with a readable error", async () => {
    const execution = await runLocally({
      ...specInput({ name: "wf-invalid", objects: [{ database: "wf_invalid" }] }),
      retryWindowMinutes: 1,
    });
    expect(execution.status).toBe("FAILED");
    expect(execution.states).toEqual(["Start", "Precheck", "RecordFailure", "TaskFailed"]);
    expect(execution.error).toBe("SpecError");
    expect(execution.cause).toMatch(/\$\.retryWindowMinutes: must be between 10 and 1440 minutes/);
  });

  it("executes exactly the definition in the template `cdk synth` writes", async () => {
    const out = await mkdtemp(join(tmpdir(), "dts-synth-"));
    await run("npx", ["cdk", "synth", "--quiet", "--output", out], { cwd: REPO });
    const template = JSON.parse(await readFile(join(out, "Dts.template.json"), "utf8")) as Template;
    const execution = await runLocally(
      specInput({ name: "wf-definition", objects: [{ database: "wf_shop" }] }),
    );
    expect(execution.definition.text).toBe(resolveDefinition(template).text);
    // Every literal part of the synthesized DefinitionString is in the executed text, in order.
    const machine = Object.values(template.Resources).find(
      (r) => r.Type === "AWS::StepFunctions::StateMachine",
    );
    const definitionString = machine?.Properties?.DefinitionString as
      | { "Fn::Join": [string, unknown[]] }
      | undefined;
    const parts = definitionString?.["Fn::Join"][1] ?? [];
    let at = 0;
    for (const part of parts.filter((p): p is string => typeof p === "string")) {
      at = execution.definition.text.indexOf(part, at);
      expect(at).toBeGreaterThanOrEqual(0);
    }
    expect(Object.keys(JSON.parse(execution.definition.text).States)).toEqual(
      expect.arrayContaining([
        "Start",
        "Precheck",
        "PrecheckPassed?",
        "Done",
        "PrecheckFailed",
        "RecordFailure",
      ]),
    );
  });

  it("shows the task with dts status", async () => {
    await runLocally(
      specInput({
        name: "wf-status",
        objects: [{ database: "wf_status" }],
        migrationTypes: ["schema", "full"],
      }),
    );
    const result = await dts(["status", "wf-status"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Task\s+wf-status$/m);
    expect(result.stdout).toMatch(/^Phase\s+completed$/m);
    expect(result.stdout).toMatch(/^Position\s+mysql-bin\.\d+:\d+ \(GTID [\d-]+\)/m);
    expect(result.stdout).toMatch(/^Full load 3 rows copied, chunks 1\/1, done at /m);
    expect(result.stdout).toMatch(/^Indexes\s+secondary indexes of 1 table\(s\) built, done at /m);
    expect(result.stdout).toMatch(/Precheck passed/);
    // While a build outlasts a BuildIndexes call, status names the tables still building.
    await defaultTaskStore().saveOutcome("wf-status", "indexes", {
      tables: 3,
      startedAt: "2026-11-22T10:00:00.000Z",
      pending: ["wf_status.orders", "wf_status.lines"],
    });
    expect((await dts(["status", "wf-status"])).stdout).toMatch(
      /^Indexes\s+building secondary indexes of 3 table\(s\) since 2026-11-22T10:00:00.000Z; not done yet: wf_status.orders, wf_status.lines$/m,
    );
    const missing = await dts(["status", "no-such-task"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      "dts: no task named no-such-task: start it with `dts run <spec.json>` first\n",
    );
  });
});
