import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { STACK_OUTPUTS } from "#infra/outputs.ts";
import { functionId, SYNTH_TIMEOUT, synthStack } from "./template.ts";

let template: Template;

beforeAll(() => {
  template = synthStack().template;
}, SYNTH_TIMEOUT);

describe("the outputs dts serve --stack reads", () => {
  it("are each output under its stable name, with the value the API function is configured with", () => {
    const outputs = template.findOutputs("*");
    const api = template.findResources("AWS::Lambda::Function")[functionId(template, "api")];
    const environment = api?.Properties.Environment.Variables as Record<string, unknown>;
    for (const [name, variable] of Object.entries(STACK_OUTPUTS)) {
      expect(outputs[name], `output ${name}`).toBeDefined();
      // The console then reads and writes what the deployed API does, and launches tailers as it does.
      expect(outputs[name]?.Value, `output ${name}`).toEqual(environment[variable]);
    }
  });

  it("point at the stack's own tables, state machine, cluster, task definition and network", () => {
    const outputs = template.findOutputs("*");
    const ref = (name: string) => JSON.stringify(outputs[name]?.Value);
    const logicalId = (type: string, prefix: string) =>
      Object.keys(template.findResources(type)).find((id) => id.startsWith(prefix));
    expect(ref("TasksTable")).toContain(`"Ref":"${logicalId("AWS::DynamoDB::Table", "TablesTasks")}"`);
    expect(ref("ChunksTable")).toContain(`"Ref":"${logicalId("AWS::DynamoDB::Table", "TablesChunks")}"`);
    expect(ref("CheckpointsTable")).toContain(
      `"Ref":"${logicalId("AWS::DynamoDB::Table", "TablesCheckpoints")}"`,
    );
    expect(ref("StateMachineArn")).toContain(
      logicalId("AWS::StepFunctions::StateMachine", "Workflow") ?? "none",
    );
    expect(ref("TailerCluster")).toContain(logicalId("AWS::ECS::Cluster", "Tailer") ?? "none");
    expect(ref("TailerTaskDefinition")).toContain(logicalId("AWS::ECS::TaskDefinition", "Tailer") ?? "none");
    expect(ref("TailerSubnets")).toContain("Fn::Join");
    expect(ref("TailerSecurityGroups")).toEqual(JSON.stringify(outputs.WorkersSecurityGroup?.Value));
    expect(outputs.SecretNamePrefix?.Value).toBe("dts/");
  });
});
