import { Duration, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { Tables } from "./tables.ts";
import { taskFunction } from "./task-function.ts";
import { Workflow } from "./workflow.ts";

/** The deployable service: tables, the phase Lambdas and the task state machine. */
export class DtsStack extends Stack {
  readonly tables: Tables;
  readonly workflow: Workflow;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    this.tables = new Tables(this, "Tables");
    const environment = { DTS_TASKS_TABLE: this.tables.tasks.tableName };

    const precheck = taskFunction(this, "PrecheckFunction", {
      name: "precheck",
      memoryMb: 512,
      timeout: Duration.minutes(2),
      environment,
    });
    const recordFailure = taskFunction(this, "RecordFailureFunction", {
      name: "record-failure",
      memoryMb: 256,
      timeout: Duration.seconds(30),
      environment,
    });
    this.tables.tasks.grantReadWriteData(precheck);
    this.tables.tasks.grantReadWriteData(recordFailure);

    this.workflow = new Workflow(this, "Workflow", { precheck, recordFailure });
  }
}
