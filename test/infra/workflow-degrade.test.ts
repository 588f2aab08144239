import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { Code, Function as LambdaFunction, Runtime } from "aws-cdk-lib/aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_TOLERATED_WORKER_FAILURE_PERCENTAGE,
  RETRIABLE_ERRORS,
  WORKER_LOST_ERRORS,
  Workflow,
  type WorkflowFunctions,
  type WorkflowProps,
} from "#infra/workflow.ts";
import { SYNTH_TIMEOUT, synthStack } from "./template.ts";

type States = Record<string, Record<string, unknown>>;

/** The state machine's states, CloudFormation references left as text. */
function statesOf(template: Template): States {
  const [machine] = Object.values(template.findResources("AWS::StepFunctions::StateMachine"));
  const join = machine?.Properties.DefinitionString["Fn::Join"] as [string, unknown[]];
  return JSON.parse(join[1].map((p) => (typeof p === "string" ? p : "ARN")).join("")).States;
}

/** The Workflow construct alone, with stand-in functions: only its definition matters here. */
function workflowStates(props?: WorkflowProps): States {
  const stack = new Stack(new App(), "Alone");
  const fn = (id: string) =>
    new LambdaFunction(stack, id, {
      code: Code.fromInline("exports.handler = async () => ({})"),
      handler: "index.handler",
      runtime: Runtime.NODEJS_20_X,
    });
  const names = [
    "precheck",
    "capturePosition",
    "schema",
    "planChunks",
    "copyChunk",
    "fullLoadStatus",
    "buildIndexes",
    "startTailer",
    "recordFailure",
  ];
  const fns = Object.fromEntries(names.map((name) => [name, fn(name)])) as unknown as WorkflowFunctions;
  new Workflow(stack, "Workflow", fns, props);
  return statesOf(Template.fromStack(stack));
}

let deployed: States;

beforeAll(() => {
  deployed = statesOf(synthStack().template);
}, SYNTH_TIMEOUT);

describe("a full load that degrades instead of dying", () => {
  it("tolerates half of the copy workers failing in a round by default, still stopping the task when the Map fails", () => {
    expect(DEFAULT_TOLERATED_WORKER_FAILURE_PERCENTAGE).toBe(50);
    expect(deployed.CopyChunks).toMatchObject({ Type: "Map", ToleratedFailurePercentage: 50 });
    expect(deployed.CopyChunks?.Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ["States.ALL"], Next: "RecordFailure" }),
    ]);
  });

  it("starts a copy worker again after a Lambda timeout or crash, and after a retriable error", () => {
    const copyChunk = (deployed.CopyChunks as { ItemProcessor: { States: States } }).ItemProcessor.States
      .CopyChunk;
    const retries = copyChunk?.Retry as {
      ErrorEquals: string[];
      MaxAttempts: number;
      IntervalSeconds: number;
    }[];
    expect(retries).toContainEqual(
      expect.objectContaining({ ErrorEquals: RETRIABLE_ERRORS, MaxAttempts: 3 }),
    );
    expect(retries).toContainEqual(
      expect.objectContaining({ ErrorEquals: WORKER_LOST_ERRORS, MaxAttempts: 2, IntervalSeconds: 30 }),
    );
    expect(WORKER_LOST_ERRORS).toEqual(["States.Timeout", "Lambda.Unknown", "Sandbox.Timedout"]);
    // Lambda's own service errors keep the retry LambdaInvoke adds for them.
    expect(retries.flatMap((r) => r.ErrorEquals)).toContain("Lambda.ServiceException");
  });

  it("takes the tolerated share from its props, and refuses one that is not a percentage", () => {
    // 0 is the Map's own default: no failed worker tolerated (as before this was configurable).
    expect(workflowStates({ toleratedWorkerFailurePercentage: 0 }).CopyChunks).not.toHaveProperty(
      "ToleratedFailurePercentage",
    );
    expect(workflowStates({ toleratedWorkerFailurePercentage: 25 }).CopyChunks).toMatchObject({
      ToleratedFailurePercentage: 25,
    });
    expect(workflowStates({ toleratedWorkerFailurePercentage: 100 }).CopyChunks).toMatchObject({
      ToleratedFailurePercentage: 100,
    });
    expect(() => workflowStates({ toleratedWorkerFailurePercentage: 150 })).toThrow(
      /toleratedWorkerFailurePercentage is 150: set it to a whole percentage from 0 to 100/,
    );
    expect(() => workflowStates({ toleratedWorkerFailurePercentage: 12.5 })).toThrow(/whole percentage/);
  });
});

describe("a retried StartTailer", () => {
  it("passes the execution id, which keys RunTask's client token, so a retry starts one tailer", () => {
    expect(deployed.StartTailer?.Parameters).toEqual({ "spec.$": "$.spec", "execution.$": "$.execution" });
  });
});
