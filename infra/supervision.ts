import { ArnFormat, Duration, Stack } from "aws-cdk-lib";
import { Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { Construct } from "constructs";
import { FUNCTION_TABLES, grantTables } from "./access.ts";
import type { Tables } from "./tables.ts";
import type { TailerService } from "./tailer-service.ts";
import { type FunctionNetwork, taskFunction } from "./task-function.ts";

export interface TailerSupervisionProps {
  tailer: TailerService;
  tables: Tables;
  network: FunctionNetwork;
  /** The table names every function gets (DTS_TASKS_TABLE, ...). */
  environment: Record<string, string>;
}

/**
 * Relaunches a tailer whose Fargate task stopped unexpectedly: an EventBridge rule on the ECS
 * "Task State Change" events of the tailer's cluster and task definition family with lastStatus
 * STOPPED, targeting the `relaunch-tailer` function (outside the state machine), which decides
 * (core/task/relaunch.ts) and relaunches with RunTask from the checkpoint. docs/deploy.md ("When a
 * tailer dies") says why this and not an ECS service per task.
 */
export class TailerSupervision extends Construct {
  readonly function: NodejsFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: TailerSupervisionProps) {
    super(scope, id);
    const { tailer, tables } = props;
    this.function = taskFunction(this, "RelaunchTailerFunction", {
      name: "relaunch-tailer",
      memoryMb: 256,
      timeout: Duration.minutes(1),
      environment: { ...props.environment, ...tailer.launchEnvironment() },
      network: props.network,
    });
    // Reads the task and its checkpoint; writes the phase, the streak or the failure, and the stop flag.
    grantTables(tables, this.function, FUNCTION_TABLES["relaunch-tailer"]);
    tailer.grantLaunch(this.function);

    // Any revision of the tailer's family: a tailer started before a deploy is supervised too.
    const family = Stack.of(this).formatArn({
      service: "ecs",
      resource: "task-definition",
      resourceName: `${tailer.taskDefinition.family}:`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.rule = new Rule(this, "TailerStoppedRule", {
      description: "A dts tailer's Fargate task stopped: relaunch-tailer decides whether to relaunch it",
      eventPattern: {
        source: ["aws.ecs"],
        detailType: ["ECS Task State Change"],
        detail: {
          clusterArn: [tailer.cluster.clusterArn],
          lastStatus: ["STOPPED"],
          taskDefinitionArn: [{ prefix: family }],
        },
      },
      targets: [new LambdaFunction(this.function, { retryAttempts: 8, maxEventAge: Duration.hours(2) })],
    });
  }
}
