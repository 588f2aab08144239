import { Match, type Template } from "aws-cdk-lib/assertions";
import { StateMachine } from "aws-local-stepfunctions";
import { beforeAll, describe, expect, it } from "vitest";
import { CLAIM_INDEX, CLAIM_INDEX_ATTRIBUTES, CLAIM_KEY } from "#core/store/chunk-claim.ts";
import { type Template as LocalTemplate, resolveDefinition } from "../../local/definition.ts";
import { TASK_HANDLERS } from "../../local/handlers.ts";
import "../../local/polyfills.ts";
import {
  actionsOf,
  allStatements,
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

const FUNCTIONS = [
  "precheck",
  "capture-position",
  "schema",
  "plan-chunks",
  "copy-chunk",
  "full-load-status",
  "build-indexes",
  "start-tailer",
  "record-failure",
  "api",
  // Outside the state machine: EventBridge invokes it when a tailer's Fargate task stops.
  "relaunch-tailer",
  // Outside the state machine: an EventBridge schedule invokes the tailers' watchdog every minute.
  "watch-tasks",
];

function definition(of: Template = template): {
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
} {
  const machines = of.findResources("AWS::StepFunctions::StateMachine");
  const [machine] = Object.values(machines);
  const join = machine?.Properties.DefinitionString["Fn::Join"] as [string, unknown[]];
  const definitionText = join[1].map((p) => (typeof p === "string" ? p : "ARN")).join("");
  return JSON.parse(definitionText);
}

describe("the task state machine", () => {
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
    expect(States.PlanChunks).toMatchObject({ Type: "Task", ResultPath: "$.plan", Next: "PlanDone?" });
    // A plan longer than one Lambda may run: PlanChunks again, from the ledger's plan cursor.
    expect(States["PlanDone?"]).toMatchObject({
      Choices: [{ Variable: "$.plan.done", BooleanEquals: false, Next: "PlanChunks" }],
      Default: "CopyChunks",
    });
    // Chunks left after the workers returned (a worker died mid-chunk, or stopped at its deadline):
    // the workers start again after a wait, not in a tight loop.
    expect(States["FullLoadDone?"]).toMatchObject({
      Choices: [{ Variable: "$.fullLoad.done", BooleanEquals: true, Next: "BuildIndexes" }],
      Default: "WaitForChunks",
    });
    expect(States.WaitForChunks).toMatchObject({ Type: "Wait", Seconds: 15, Next: "CopyChunks" });
    expect(States.BuildIndexes).toMatchObject({
      Type: "Task",
      ResultPath: "$.indexes",
      Next: "IndexesBuilt?",
    });
    // An index build longer than one Lambda may run: BuildIndexes is called again after a wait.
    expect(States["IndexesBuilt?"]).toMatchObject({
      Choices: [{ Variable: "$.indexes.done", BooleanEquals: true, Next: "IncrementalSelected?" }],
      Default: "WaitForIndexes",
    });
    expect(States.WaitForIndexes).toMatchObject({ Type: "Wait", Seconds: 30, Next: "BuildIndexes" });
    expect(States["IncrementalSelected?"]).toMatchObject({
      Choices: [{ Variable: "$.precheck.phases.incremental", BooleanEquals: true, Next: "StartTailer" }],
      Default: "Done",
    });
    expect(States.StartTailer).toMatchObject({ Type: "Task", ResultPath: "$.tailer", Next: "Done" });
  });

  it("copies with a Distributed Map of copy workers (standard child executions) whose items the local runner reads too", () => {
    const { States } = definition();
    expect(States.CopyChunks).toMatchObject({
      Type: "Map",
      ItemsPath: "$.plan.workers",
      ResultPath: null,
      Next: "FullLoadStatus",
      Label: "CopyWorkers",
      ItemProcessor: {
        ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
        StartAt: "CopyChunk",
      },
    });
    // No ItemReader: aws-local-stepfunctions ignores it, so items come from the state's input.
    expect(States.CopyChunks).not.toHaveProperty("ItemReader");
    // The definition the local runner resolves from this template is one it accepts.
    const local = resolveDefinition(template.toJSON() as LocalTemplate);
    expect(
      () => new StateMachine(JSON.parse(local.text), { validationOptions: { checkArn: true } }),
    ).not.toThrow();
    expect(local.functionsByState.CopyChunk).toBe("copy-chunk");
    // The local runner (and the bundled CLI) can load every function a state invokes.
    expect(Object.keys(TASK_HANDLERS).sort()).toEqual(
      [...new Set(Object.values(local.functionsByState))].sort(),
    );
    // Running child executions needs StartExecution on the state machine itself, granted to its role.
    const statements = allStatements(template).filter((s) => actionsOf(s).includes("states:StartExecution"));
    expect(statements.map((s) => s.Resource)).toContainEqual({
      Ref: expect.stringMatching(/^WorkflowStateMachine/),
    });
  });

  it("validates the spec in its first Task state, so a console-started execution with a bad spec fails readably", () => {
    const { States } = definition();
    // Start only moves the input under $.spec; Precheck parses it (SpecError names each JSON path)
    // before it writes anything, and the Catch ends the execution in TaskFailed with that cause.
    expect(Object.keys(States.Start ?? {})).not.toContain("Resource");
    expect(States.Start?.Next).toBe("Precheck");
    expect(States.Precheck?.Catch).toEqual([
      { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "RecordFailure" },
    ]);
  });

  it("catches every Task error into RecordFailure, which stores the reason before failing, and retries what is retriable", () => {
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
          expect.objectContaining({
            ErrorEquals: ["RetriableError", "Lambda.TooManyRequestsException"],
            MaxAttempts: 3,
          }),
          expect.objectContaining({ ErrorEquals: expect.arrayContaining(["Lambda.ServiceException"]) }),
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

  it("takes the share of copy workers the Map tolerates failing from the stack's props (context toleratedWorkerFailurePercentage)", () => {
    const { States } = definition(synthStack({ toleratedWorkerFailurePercentage: 25 }).template);
    expect(States.CopyChunks).toMatchObject({ Type: "Map", ToleratedFailurePercentage: 25 });
  });

  it("logs every transition without execution data and traces with X-Ray", () => {
    template.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      LoggingConfiguration: { Level: "ALL", IncludeExecutionData: false },
      TracingConfiguration: { Enabled: true },
    });
  });
});

describe("the functions", () => {
  it("deploys each handler as a nodejs22.x Lambda in the VPC's private subnets, tagged with its functions/ folder", () => {
    const tagged = Object.values(template.findResources("AWS::Lambda::Function")).filter((f) =>
      ((f.Properties.Tags ?? []) as { Key: string }[]).some((t) => t.Key === "dts:function"),
    );
    expect(tagged).toHaveLength(FUNCTIONS.length);
    for (const name of FUNCTIONS) {
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
        VpcConfig: {
          SecurityGroupIds: [{ "Fn::GetAtt": [Match.stringLikeRegexp("^NetworkWorkers"), "GroupId"] }],
          SubnetIds: [
            { Ref: Match.stringLikeRegexp("^NetworkVpcprivateSubnet1") },
            { Ref: Match.stringLikeRegexp("^NetworkVpcprivateSubnet2") },
          ],
        },
      });
    }
  });

  it("gives copy workers Lambda's full 15 minutes and the API function less than API Gateway's 29 s", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Tags: Match.arrayWith([{ Key: "dts:function", Value: "copy-chunk" }]),
      Timeout: 900,
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Tags: Match.arrayWith([{ Key: "dts:function", Value: "api" }]),
      Timeout: 28,
    });
  });
});

describe("the tables", () => {
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
    expect(
      Object.values(template.findResources("AWS::DynamoDB::Table")).map((t) => t.DeletionPolicy),
    ).toEqual(["Retain", "Retain", "Retain"]);
  });

  it("indexes the chunks not done by claim key, with the names the ledger queries", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: "task", KeyType: "HASH" },
        { AttributeName: "id", KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: CLAIM_INDEX,
          KeySchema: [
            { AttributeName: "task", KeyType: "HASH" },
            { AttributeName: CLAIM_KEY, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: [...CLAIM_INDEX_ATTRIBUTES] },
        },
      ],
    });
    // Claims query the index: the copy workers' grant covers it.
    const onIndex = roleStatements(template, roleOf(template, "copy-chunk")).filter((s) =>
      text(s.Resource).includes("/index/*"),
    );
    expect(onIndex.flatMap(actionsOf)).toContain("dynamodb:Query");
  });

  it("gives each function only the tables it uses (test/infra/access.test.ts has the whole table)", () => {
    const onChunks = (name: string) =>
      roleStatements(template, roleOf(template, name))
        .filter((s) => text(s.Resource).includes("TablesChunks"))
        .flatMap(actionsOf);
    expect(onChunks("copy-chunk")).toContain("dynamodb:UpdateItem");
    expect(onChunks("full-load-status")).toContain("dynamodb:Query");
    expect(onChunks("full-load-status").filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual([]);
    expect(onChunks("record-failure")).toEqual([]);
  });
});

describe("permissions", () => {
  it("grants no wildcard action anywhere in the stack", () => {
    const actions = allStatements(template).flatMap(actionsOf);
    expect(actions).toContain("dynamodb:UpdateItem");
    expect(actions.filter((a) => a === "*" || a.endsWith(":*"))).toEqual([]);
  });
});
