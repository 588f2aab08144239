import { Duration } from "aws-cdk-lib";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  JsonPath,
  LogLevel,
  Pass,
  StateMachine,
  Succeed,
  TaskInput,
} from "aws-cdk-lib/aws-stepfunctions";
import { LambdaInvoke } from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";

export interface WorkflowProps {
  precheck: NodejsFunction;
  recordFailure: NodejsFunction;
}

/** Error names that a Task state retries (connection loss, lock wait); everything else is caught. */
export const RETRIABLE_ERRORS = ["RetriableError"];

/**
 * The task state machine, defined once: AWS runs it, and the local runner executes the definition
 * this construct synthesizes. Execution input: the task spec.
 *
 *   Start -> Precheck -> PrecheckPassed? -> Done | PrecheckFailed
 *   (any Task error) -> RecordFailure -> TaskFailed
 */
export class Workflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);

    const recordFailure = new LambdaInvoke(this, "RecordFailure", {
      lambdaFunction: props.recordFailure,
      payload: TaskInput.fromObject({
        spec: JsonPath.objectAt("$.spec"),
        error: JsonPath.objectAt("$.error"),
      }),
      payloadResponseOnly: true,
      resultPath: "$.failure",
    }).next(
      new Fail(this, "TaskFailed", {
        errorPath: JsonPath.stringAt("$.failure.error"),
        causePath: JsonPath.stringAt("$.failure.cause"),
      }),
    );

    const precheck = new LambdaInvoke(this, "Precheck", {
      lambdaFunction: props.precheck,
      payload: TaskInput.fromObject({ spec: JsonPath.objectAt("$.spec") }),
      payloadResponseOnly: true,
      resultPath: "$.precheck",
    });
    precheck.addRetry({
      errors: RETRIABLE_ERRORS,
      interval: Duration.seconds(5),
      maxAttempts: 3,
      backoffRate: 2,
    });
    precheck.addCatch(recordFailure, { errors: ["States.ALL"], resultPath: "$.error" });

    const start = new Pass(this, "Start", {
      comment: "The execution input is the task spec; keep it under $.spec for every state.",
      parameters: { "spec.$": "$" },
    });

    const decide = new Choice(this, "PrecheckPassed?")
      .when(Condition.booleanEquals("$.precheck.passed", true), new Succeed(this, "Done"))
      .otherwise(
        new Fail(this, "PrecheckFailed", {
          error: "PrecheckFailed",
          causePath: JsonPath.stringAt("$.precheck.summary"),
        }),
      );

    this.stateMachine = new StateMachine(this, "StateMachine", {
      definitionBody: DefinitionBody.fromChainable(start.next(precheck).next(decide)),
      timeout: Duration.days(30),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, "ExecutionLogs", { retention: RetentionDays.ONE_MONTH }),
        level: LogLevel.ERROR,
      },
    });
  }
}
