import { Duration } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { Construct } from "constructs";
import { FUNCTION_TABLES, grantTables } from "./access.ts";
import type { Tables } from "./tables.ts";
import { type FunctionNetwork, taskFunction } from "./task-function.ts";

export interface TailerWatchProps {
  tables: Tables;
  network: FunctionNetwork;
  /** The table names every function gets (DTS_TASKS_TABLE, ...). */
  environment: Record<string, string>;
}

/**
 * The tailers' watchdog: an EventBridge schedule invokes `watch-tasks` (core/task/watch.ts) every
 * minute, outside the state machine. It reads the tasks in incremental migration and their leases,
 * and always writes IncrementalTasks, StalledTailers and OldestTailerSilenceSeconds; the alarm on
 * the last (infra/monitoring.ts) treats a missing minute as breaching. ~44,000 invocations a
 * month, under Lambda's free tier.
 */
export class TailerWatch extends Construct {
  readonly function: NodejsFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: TailerWatchProps) {
    super(scope, id);
    this.function = taskFunction(this, "WatchTasksFunction", {
      name: "watch-tasks",
      memoryMb: 256,
      timeout: Duration.seconds(50),
      environment: props.environment,
      network: props.network,
    });
    grantTables(props.tables, this.function, FUNCTION_TABLES["watch-tasks"]);
    this.rule = new Rule(this, "Schedule", {
      description: "dts: watch the tailers of tasks in incremental migration every minute",
      schedule: Schedule.rate(Duration.minutes(1)),
      // A missed minute is a gap the alarm tolerates; a late one would only blur the next.
      targets: [new LambdaFunction(this.function, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });
  }
}
