import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { DtsStack } from "#infra/stack.ts";

let template: Template;

beforeAll(() => {
  // Bundling is exercised by `cdk synth` in the integration tests; here the template's shape matters.
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  template = Template.fromStack(new DtsStack(app, "Dts"));
});

function definition(): { StartAt: string; States: Record<string, Record<string, unknown>> } {
  const machines = template.findResources("AWS::StepFunctions::StateMachine");
  const [machine] = Object.values(machines);
  const join = machine?.Properties.DefinitionString["Fn::Join"] as [string, unknown[]];
  const text = join[1].map((p) => (typeof p === "string" ? p : "ARN")).join("");
  return JSON.parse(text);
}

describe("CDK stack", () => {
  it("defines the phases in order: precheck, position, schema, plan, copy workers, until every chunk is done", () => {
    const { StartAt, States } = definition();
    expect(StartAt).toBe("Start");
    expect(States.Start).toMatchObject({
      Type: "Pass",
      Parameters: { "spec.$": "$", "execution.$": "$$.Execution.Id" },
      Next: "Precheck",
    });
    expect(States.Precheck).toMatchObject({
      Type: "Task",
      ResultPath: "$.precheck",
      Next: "PrecheckPassed?",
    });
    expect(States["PrecheckPassed?"]).toMatchObject({
      Type: "Choice",
      Choices: [{ Variable: "$.precheck.passed", BooleanEquals: true, Next: "CapturePosition" }],
      Default: "PrecheckFailed",
    });
    expect(States.PrecheckFailed).toMatchObject({
      Type: "Fail",
      Error: "PrecheckFailed",
      CausePath: "$.precheck.summary",
    });
    expect(States.CapturePosition).toMatchObject({ Type: "Task", Next: "SchemaSelected?" });
    expect(States["SchemaSelected?"]).toMatchObject({
      Choices: [{ Variable: "$.precheck.phases.schema", BooleanEquals: true, Next: "Schema" }],
      Default: "FullSelected?",
    });
    expect(States.Schema).toMatchObject({ Type: "Task", Next: "FullSelected?" });
    expect(States["FullSelected?"]).toMatchObject({
      Choices: [{ Variable: "$.precheck.phases.full", BooleanEquals: true, Next: "PlanChunks" }],
      Default: "IncrementalSelected?",
    });
    expect(States.PlanChunks).toMatchObject({ Type: "Task", ResultPath: "$.plan", Next: "CopyChunks" });
    expect(States.CopyChunks).toMatchObject({
      Type: "Map",
      ItemsPath: "$.plan.workers",
      ResultPath: null,
      Next: "FullLoadStatus",
      ItemProcessor: { StartAt: "CopyChunk" },
    });
    expect(States["FullLoadDone?"]).toMatchObject({
      Choices: [{ Variable: "$.fullLoad.done", BooleanEquals: true, Next: "BuildIndexes" }],
      Default: "CopyChunks",
    });
    expect(States.BuildIndexes).toMatchObject({ Type: "Task", Next: "IncrementalSelected?" });
    expect(States["IncrementalSelected?"]).toMatchObject({
      Choices: [{ Variable: "$.precheck.phases.incremental", BooleanEquals: true, Next: "StartTailer" }],
      Default: "Done",
    });
    expect(States.StartTailer).toMatchObject({ Type: "Task", ResultPath: "$.tailer", Next: "Done" });
  });

  it("catches every Task error into RecordFailure, which stores the reason before failing", () => {
    const { States } = definition();
    const tasks = Object.entries(States).filter(
      ([name, s]) => (s.Type === "Task" || s.Type === "Map") && name !== "RecordFailure",
    );
    expect(tasks.map(([name]) => name).sort()).toEqual(
      [
        "BuildIndexes",
        "CapturePosition",
        "CopyChunks",
        "FullLoadStatus",
        "PlanChunks",
        "Precheck",
        "Schema",
        "StartTailer",
      ].sort(),
    );
    for (const [, state] of tasks) {
      expect(state.Catch).toEqual([
        { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "RecordFailure" },
      ]);
    }
    const processor = States.CopyChunks?.ItemProcessor as
      | { States: Record<string, Record<string, unknown>> }
      | undefined;
    const copyWorker = processor?.States.CopyChunk;
    for (const state of [...tasks.map(([, s]) => s).filter((s) => s.Type === "Task"), copyWorker]) {
      expect(state?.Retry).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ ErrorEquals: ["RetriableError"], MaxAttempts: 3 }),
        ]),
      );
    }
    expect(States.RecordFailure).toMatchObject({ Next: "TaskFailed" });
    expect(States.TaskFailed).toMatchObject({
      Type: "Fail",
      ErrorPath: "$.failure.error",
      CausePath: "$.failure.cause",
    });
  });

  it("gives copy workers Lambda's full 15 minutes", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Tags: Match.arrayWith([{ Key: "dts:function", Value: "copy-chunk" }]),
      Timeout: 900,
    });
  });

  it("deploys each handler as a nodejs22.x Lambda tagged with its functions/ folder", () => {
    const names = [
      "precheck",
      "capture-position",
      "schema",
      "plan-chunks",
      "copy-chunk",
      "full-load-status",
      "build-indexes",
      "start-tailer",
      "record-failure",
    ];
    expect(Object.keys(template.findResources("AWS::Lambda::Function"))).toHaveLength(names.length);
    for (const name of names) {
      template.hasResourceProperties("AWS::Lambda::Function", {
        Runtime: "nodejs22.x",
        Handler: "index.handler",
        Tags: Match.arrayWith([{ Key: "dts:function", Value: name }]),
        Environment: {
          Variables: Match.objectLike({
            DTS_TASKS_TABLE: Match.anyValue(),
            DTS_CHUNKS_TABLE: Match.anyValue(),
            DTS_CHECKPOINTS_TABLE: Match.anyValue(),
          }),
        },
      });
    }
  });

  it("keeps tasks, the chunk ledger and checkpoints in encrypted DynamoDB tables with point-in-time recovery", () => {
    for (const keys of [
      [{ AttributeName: "name", KeyType: "HASH" }],
      [{ AttributeName: "task", KeyType: "HASH" }],
      [
        { AttributeName: "task", KeyType: "HASH" },
        { AttributeName: "id", KeyType: "RANGE" },
      ],
    ]) {
      template.hasResourceProperties("AWS::DynamoDB::Table", {
        KeySchema: keys,
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    }
    template.hasResource("AWS::DynamoDB::Table", { DeletionPolicy: "Retain" });
  });

  it("lets the functions use the tasks table without wildcard actions", () => {
    const policies = template.findResources("AWS::IAM::Policy");
    const statements = Object.values(policies).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[] }[],
    );
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toContain("dynamodb:UpdateItem");
    expect(actions.filter((a) => a === "*" || a.endsWith(":*"))).toEqual([]);
  });
});
