import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { type Template as LocalTemplate, resolveDefinition } from "../../local/definition.ts";
import { TASK_HANDLERS } from "../../local/handlers.ts";
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

const tailerFamily = () => {
  const [definition] = Object.values(template.findResources("AWS::ECS::TaskDefinition"));
  return definition?.Properties.Family as string;
};

const stoppedRule = () => {
  const rules = Object.values(template.findResources("AWS::Events::Rule")).filter(
    (r) => r.Properties.EventPattern?.source?.[0] === "aws.ecs",
  );
  expect(rules).toHaveLength(1);
  return rules[0]?.Properties as {
    EventPattern: { detail: { taskDefinitionArn: [{ prefix: { "Fn::Join": [string, unknown[]] } }] } };
    Targets: { Arn: unknown; RetryPolicy: unknown }[];
  };
};

describe("supervision of the tailers", () => {
  it("sends every stopped task of the tailer's cluster and task definition family to relaunch-tailer", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      State: "ENABLED",
      EventPattern: {
        source: ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        detail: {
          clusterArn: [{ "Fn::GetAtt": [Match.stringLikeRegexp("^TailerCluster"), "Arn"] }],
          lastStatus: ["STOPPED"],
          taskDefinitionArn: [{ prefix: Match.anyValue() }],
        },
      },
    });
    const rule = stoppedRule();
    // Any revision of this family (a tailer started before a deploy too), and no other family.
    const [, parts] = rule.EventPattern.detail.taskDefinitionArn[0].prefix["Fn::Join"];
    expect(parts.at(-1)).toBe(`:task-definition/${tailerFamily()}:`);
    expect(text(parts)).toMatch(/^\["arn:",\{"Ref":"AWS::Partition"\},":ecs:"/);
    expect(rule.Targets).toEqual([
      {
        Arn: { "Fn::GetAtt": [functionId(template, "relaunch-tailer"), "Arn"] },
        Id: expect.any(String),
        RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 8 },
      },
    ]);
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      Principal: "events.amazonaws.com",
      FunctionName: { "Fn::GetAtt": [functionId(template, "relaunch-tailer"), "Arn"] },
      SourceArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^SupervisionTailerStoppedRule"), "Arn"] },
    });
  });

  it("gives relaunch-tailer what the ECS launcher reads and the tables it uses, in the VPC", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs22.x",
      Tags: Match.arrayWith([{ Key: "dts:function", Value: "relaunch-tailer" }]),
      Environment: {
        Variables: Match.objectLike({
          DTS_TASKS_TABLE: { Ref: Match.stringLikeRegexp("^TablesTasks") },
          DTS_CHECKPOINTS_TABLE: { Ref: Match.stringLikeRegexp("^TablesCheckpoints") },
          DTS_TAILER_CLUSTER: { "Fn::GetAtt": [Match.stringLikeRegexp("^TailerCluster"), "Arn"] },
          DTS_TAILER_TASK_DEFINITION: { Ref: Match.stringLikeRegexp("^TailerTaskDefinition") },
          DTS_TAILER_SUBNETS: Match.anyValue(),
          DTS_TAILER_SECURITY_GROUPS: {
            "Fn::GetAtt": [Match.stringLikeRegexp("^NetworkWorkers"), "GroupId"],
          },
        }),
      },
      VpcConfig: {
        SecurityGroupIds: [{ "Fn::GetAtt": [Match.stringLikeRegexp("^NetworkWorkers"), "GroupId"] }],
        SubnetIds: Match.anyValue(),
      },
    });
  });

  it("lets relaunch-tailer run only the tailer's task definition in its cluster, pass only its two roles, and use tasks and checkpoints", () => {
    const statements = roleStatements(template, roleOf(template, "relaunch-tailer")).filter(
      (s) => !actionsOf(s).some((a) => /^(ec2|logs|xray|dynamodb):/.test(a)),
    );
    const tables = roleStatements(template, roleOf(template, "relaunch-tailer"))
      .filter((s) => actionsOf(s).some((a) => a.startsWith("dynamodb:")))
      .map((s) => text(s.Resource));
    expect(tables.some((r) => r.includes("TablesTasks"))).toBe(true);
    expect(tables.some((r) => r.includes("TablesCheckpoints"))).toBe(true);
    expect(tables.some((r) => r.includes("TablesChunks"))).toBe(false);
    expect(statements).toEqual([
      {
        Effect: "Allow",
        Action: "ecs:RunTask",
        Resource: { Ref: expect.stringMatching(/^TailerTaskDefinition/) },
        Condition: {
          ArnEquals: { "ecs:cluster": { "Fn::GetAtt": [expect.stringMatching(/^TailerCluster/), "Arn"] } },
        },
      },
      {
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: [
          { "Fn::GetAtt": [expect.stringMatching(/^TailerTaskDefinitionTaskRole/), "Arn"] },
          { "Fn::GetAtt": [expect.stringMatching(/^TailerTaskDefinitionExecutionRole/), "Arn"] },
        ],
        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      },
    ]);
    // Only the three launchers may run a tailer: start-tailer, relaunch-tailer and the API (resume).
    const launchers = allStatements(template).filter((s) => actionsOf(s).includes("ecs:RunTask"));
    expect(launchers).toHaveLength(3);
  });

  it("runs outside the state machine: the state machine invokes every other task function, and none of them is relaunch-tailer", () => {
    const local = resolveDefinition(template.toJSON() as LocalTemplate);
    const invoked = new Set(Object.values(local.functionsByState));
    expect(invoked.has("relaunch-tailer")).toBe(false);
    expect(Object.keys(TASK_HANDLERS)).not.toContain("relaunch-tailer");
    expect(text(template.findResources("AWS::StepFunctions::StateMachine"))).not.toContain(
      functionId(template, "relaunch-tailer"),
    );
    // Every deployed function is invoked by the state machine, or is one of the entry points from
    // outside it: the API (API Gateway), relaunch-tailer and watch-tasks (EventBridge).
    const tagged = Object.values(template.findResources("AWS::Lambda::Function")).flatMap((f) =>
      ((f.Properties.Tags ?? []) as { Key: string; Value: string }[])
        .filter((t) => t.Key === "dts:function")
        .map((t) => t.Value),
    );
    expect(tagged.sort()).toEqual([...invoked, "api", "relaunch-tailer", "watch-tasks"].sort());
  });
});
