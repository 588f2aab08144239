import { App } from "aws-cdk-lib";
import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { FUNCTION_TABLES, type TableUse } from "#infra/access.ts";
import { functionPolicies } from "#infra/nag.ts";
import { DtsStack } from "#infra/stack.ts";
import {
  actionsOf,
  allStatements,
  functionId,
  roleOf,
  roleStatements,
  SYNTH_TIMEOUT,
  synthStack,
  text,
} from "./template.ts";

let template: Template;

beforeAll(() => {
  template = synthStack().template;
}, SYNTH_TIMEOUT);

const TABLES = { tasks: "TablesTasks", chunks: "TablesChunks", checkpoints: "TablesCheckpoints" } as const;
const READS = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan"];
const WRITES = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"];

/** The DynamoDB actions a function's role has on one table (its index included). */
function tableActions(fn: string, table: string): Set<string> {
  return new Set(
    roleStatements(template, roleOf(template, fn))
      .filter((s) => text(s.Resource).includes(table))
      .flatMap(actionsOf)
      .filter((a) => a.startsWith("dynamodb:")),
  );
}

describe("each function's tables (least privilege, infra/access.ts)", () => {
  it("deploys every function the access table names, and names every deployed function", () => {
    const deployed = Object.values(template.findResources("AWS::Lambda::Function")).flatMap((f) =>
      ((f.Properties.Tags ?? []) as { Key: string; Value: string }[])
        .filter((t) => t.Key === "dts:function")
        .map((t) => t.Value),
    );
    expect(deployed.sort()).toEqual(Object.keys(FUNCTION_TABLES).sort());
  });

  it.each(Object.entries(FUNCTION_TABLES))("%s reads and writes only the tables it uses", (fn, access) => {
    for (const [name, logicalId] of Object.entries(TABLES)) {
      const use = (access as Record<string, TableUse>)[name];
      const actions = tableActions(fn, logicalId);
      const reads = use === "read" || use === "read-write";
      const writes = use === "write" || use === "read-write";
      for (const action of READS) expect(actions.has(action), `${fn} ${action} on ${name}`).toBe(reads);
      for (const action of WRITES) expect(actions.has(action), `${fn} ${action} on ${name}`).toBe(writes);
    }
  });

  it("spells out the changes from the blanket grant: copy workers only read tasks, the API may empty the ledger, the watchdog only reads", () => {
    expect(tableActions("copy-chunk", TABLES.tasks).has("dynamodb:UpdateItem")).toBe(false);
    expect(tableActions("copy-chunk", TABLES.checkpoints).size).toBe(0);
    // DELETE /tasks/{name} and a restart from scratch delete the task's chunks (ledger.replace).
    expect(tableActions("api", TABLES.chunks).has("dynamodb:BatchWriteItem")).toBe(true);
    expect(tableActions("start-tailer", TABLES.checkpoints).has("dynamodb:GetItem")).toBe(false);
    expect(tableActions("start-tailer", TABLES.checkpoints).has("dynamodb:UpdateItem")).toBe(true);
    expect(tableActions("watch-tasks", TABLES.tasks).has("dynamodb:Scan")).toBe(true);
    for (const table of Object.values(TABLES))
      expect([...tableActions("watch-tasks", table)].filter((a) => WRITES.includes(a))).toEqual([]);
  });

  it("grants no DynamoDB action on a table of another stack or on '*'", () => {
    const dynamo = allStatements(template).filter((s) => actionsOf(s).some((a) => a.startsWith("dynamodb:")));
    for (const statement of dynamo)
      expect(text(statement.Resource)).toMatch(/Tables(Tasks|Chunks|Checkpoints)/);
  });
});

describe("tracing and logs", () => {
  it("traces every function with X-Ray, whose two write actions are the only '*' resource of a function's policy", () => {
    const functions = Object.values(template.findResources("AWS::Lambda::Function")).filter((f) =>
      ((f.Properties.Tags ?? []) as { Key: string }[]).some((t) => t.Key === "dts:function"),
    );
    expect(functions.length).toBe(Object.keys(FUNCTION_TABLES).length);
    for (const fn of functions) expect(fn.Properties.TracingConfig).toEqual({ Mode: "Active" });
    for (const name of Object.keys(FUNCTION_TABLES)) {
      const wildcard = roleStatements(template, roleOf(template, name)).filter((s) => s.Resource === "*");
      expect(wildcard.flatMap(actionsOf).sort(), name).toEqual([
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ]);
    }
  });

  it("suppresses cdk-nag's wildcard finding on exactly the functions' default policies", () => {
    const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
    const stack = new DtsStack(app, "Dts");
    const paths = functionPolicies(stack).map((p) => p.node.path);
    expect(paths).toHaveLength(Object.keys(FUNCTION_TABLES).length);
    for (const path of paths) expect(path).toMatch(/Function[^/]*\/ServiceRole\/DefaultPolicy\/Resource$/);
  });

  it("keeps every log group when the stack is deleted: functions, tailer, state machine, API, flow logs", () => {
    const groups = template.findResources("AWS::Logs::LogGroup");
    const ids = Object.keys(groups);
    for (const prefix of [
      "PrecheckFunctionLogs",
      "TailerLogs",
      "WorkflowExecutionLogs",
      "ApiAccessLogs",
      "NetworkFlowLogs",
    ])
      expect(
        ids.some((id) => id.startsWith(prefix)),
        prefix,
      ).toBe(true);
    expect(ids.some((id) => id.includes("WatchTasksFunctionLogs"))).toBe(true);
    for (const [id, group] of Object.entries(groups)) {
      expect(group.DeletionPolicy, id).toBe("Retain");
      expect(group.UpdateReplacePolicy, id).toBe("Retain");
    }
    expect(functionId(template, "watch-tasks")).toMatch(/^WatchWatchTasksFunction/);
  });
});
