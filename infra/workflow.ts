import { Duration } from "aws-cdk-lib";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import {
  Choice,
  Condition,
  DefinitionBody,
  DistributedMap,
  Fail,
  JsonPath,
  LogLevel,
  Pass,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from "aws-cdk-lib/aws-stepfunctions";
import { LambdaInvoke } from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";

/** The phase Lambdas the state machine invokes. */
export interface WorkflowFunctions {
  precheck: NodejsFunction;
  capturePosition: NodejsFunction;
  schema: NodejsFunction;
  planChunks: NodejsFunction;
  copyChunk: NodejsFunction;
  fullLoadStatus: NodejsFunction;
  buildIndexes: NodejsFunction;
  startTailer: NodejsFunction;
  recordFailure: NodejsFunction;
}

/**
 * Error names that a Task state retries: RetriableError (connection loss, lock wait) and Lambda
 * throttling (many copy workers against the account's concurrency). Everything else is caught.
 * (LambdaInvoke also retries Lambda's own service errors.)
 */
export const RETRIABLE_ERRORS = ["RetriableError", "Lambda.TooManyRequestsException"];

/**
 * Errors of a copy worker's Lambda itself, not of its code: out of time or memory (Lambda.Unknown,
 * Sandbox.Timedout; States.Timeout should the task get a timeout). A new worker takes other chunks;
 * the one the dead worker held is claimable once its heartbeat is silent.
 */
export const WORKER_LOST_ERRORS = ["States.Timeout", "Lambda.Unknown", "Sandbox.Timedout"];

/** The share of copy workers (%) that may fail in one round before the full load stops (WorkflowProps). */
export const DEFAULT_TOLERATED_WORKER_FAILURE_PERCENTAGE = 50;

export interface WorkflowProps {
  /**
   * The share of copy workers (0-100 %) whose failure one round of CopyChunks tolerates: the
   * chunks they held are copied by the next round. Default 50.
   */
  toleratedWorkerFailurePercentage?: number;
}

/** How long FullLoadDone? waits before the copy workers start again on the chunks left. */
export const CHUNK_WAIT_SECONDS = 15;

/**
 * The task state machine, defined once: AWS runs it, and the local runner executes the definition
 * this construct synthesizes. Execution input: the task spec (POST /tasks starts executions, and so
 * can the Step Functions console). Precheck, the first Task state, validates it first: a bad spec
 * fails the execution with error SpecError and a cause naming each JSON path, before any write.
 *
 *   Start -> Precheck -> PrecheckPassed? -> CapturePosition -> [Schema] -> [PlanChunks -> PlanDone? (PlanChunks
 *   again until every table is planned) -> CopyChunks
 *   (Distributed Map of copy workers) -> FullLoadStatus -> FullLoadDone? (after WaitForChunks, again until every chunk is done)
 *   -> BuildIndexes -> IndexesBuilt? (after WaitForIndexes, again until every index exists)] -> [StartTailer (ECS RunTask of the binlog tailer; a child process locally)] -> Done
 *   Any Task error -> RecordFailure (reason stored on the task) -> TaskFailed
 */
export class Workflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, fns: WorkflowFunctions, props: WorkflowProps = {}) {
    super(scope, id);
    const tolerated = props.toleratedWorkerFailurePercentage ?? DEFAULT_TOLERATED_WORKER_FAILURE_PERCENTAGE;
    if (!Number.isInteger(tolerated) || tolerated < 0 || tolerated > 100)
      throw new Error(
        `toleratedWorkerFailurePercentage is ${tolerated}: set it to a whole percentage from 0 to 100 (default ${DEFAULT_TOLERATED_WORKER_FAILURE_PERCENTAGE})`,
      );

    const recordFailure = this.invoke("RecordFailure", fns.recordFailure, "$.failure", {
      spec: JsonPath.objectAt("$.spec"),
      error: JsonPath.objectAt("$.error"),
    }).next(
      new Fail(this, "TaskFailed", {
        errorPath: JsonPath.stringAt("$.failure.error"),
        causePath: JsonPath.stringAt("$.failure.cause"),
      }),
    );
    const guarded = (task: LambdaInvoke | DistributedMap) => {
      if (task instanceof LambdaInvoke) {
        task.addRetry({
          errors: RETRIABLE_ERRORS,
          interval: Duration.seconds(5),
          maxAttempts: 3,
          backoffRate: 2,
        });
      }
      task.addCatch(recordFailure, { errors: ["States.ALL"], resultPath: "$.error" });
      return task;
    };
    const specOnly = { spec: JsonPath.objectAt("$.spec") };

    const start = new Pass(this, "Start", {
      comment:
        "The execution input is the task spec; keep it under $.spec, with the execution id, for every state.",
      parameters: { "spec.$": "$", "execution.$": "$$.Execution.Id" },
    });
    const precheck = guarded(this.invoke("Precheck", fns.precheck, "$.precheck", specOnly));
    const capturePosition = guarded(
      this.invoke("CapturePosition", fns.capturePosition, "$.position", specOnly),
    );
    const schema = guarded(this.invoke("Schema", fns.schema, "$.schema", specOnly));
    const planChunks = guarded(this.invoke("PlanChunks", fns.planChunks, "$.plan", specOnly));

    const copyWorker = this.invoke("CopyChunk", fns.copyChunk, "$", {
      spec: JsonPath.objectAt("$.spec"),
      execution: JsonPath.stringAt("$.execution"),
      worker: JsonPath.numberAt("$.worker"),
      workers: JsonPath.numberAt("$.workers"),
    });
    copyWorker.addRetry({
      errors: RETRIABLE_ERRORS,
      interval: Duration.seconds(5),
      maxAttempts: 3,
      backoffRate: 2,
    });
    // A worker that timed out or ran out of memory: start another after a while (a copy failing
    // inside a worker never gets here: the worker gives the chunk back with a backoff and returns).
    copyWorker.addRetry({
      errors: WORKER_LOST_ERRORS,
      interval: Duration.seconds(30),
      maxAttempts: 2,
      backoffRate: 2,
    });
    // A Distributed Map: each copy worker runs as a child execution with its own event history, so
    // a days-long full load with many workers never meets the 25,000-event limit of the parent.
    // Its items are the workers (ItemsPath, no ItemReader), which the local runner executes as an
    // inline Map; the chunks themselves come from the ledger, claimed by the workers.
    const copyChunks = guarded(
      new DistributedMap(this, "CopyChunks", {
        comment: "One item per copy worker (spec.fullLoad.parallelism); each claims chunks from the ledger.",
        itemsPath: "$.plan.workers",
        itemSelector: {
          "spec.$": "$.spec",
          "execution.$": "$.execution",
          "worker.$": "$$.Map.Item.Value.worker",
          "workers.$": "$$.Map.Item.Value.workers",
        },
        // Copy workers run up to 15 minutes: longer than Express child executions may.
        mapExecutionType: StateMachineType.STANDARD,
        label: "CopyWorkers",
        // Workers that failed still leave the Map going: the next round copies what they held.
        // FullLoadStatus stops the load once a chunk has failed for good, so the loop ends.
        toleratedFailurePercentage: tolerated,
        resultPath: JsonPath.DISCARD,
      }).itemProcessor(copyWorker),
    );
    const fullLoadStatus = guarded(this.invoke("FullLoadStatus", fns.fullLoadStatus, "$.fullLoad", specOnly));
    const done = new Succeed(this, "Done");
    // The execution id keys RunTask's client token: a retried StartTailer starts one tailer.
    const startTailer = guarded(
      this.invoke("StartTailer", fns.startTailer, "$.tailer", {
        ...specOnly,
        execution: JsonPath.stringAt("$.execution"),
      }),
    );
    const incremental = new Choice(this, "IncrementalSelected?")
      .when(Condition.booleanEquals("$.precheck.phases.incremental", true), startTailer.next(done))
      .otherwise(done);
    const buildIndexes = guarded(this.invoke("BuildIndexes", fns.buildIndexes, "$.indexes", specOnly));
    // A build longer than one Lambda may run is left on the destination; BuildIndexes is called
    // again, finds it running and waits for it, until every table has its indexes.
    const indexesBuilt = new Choice(this, "IndexesBuilt?")
      .when(Condition.booleanEquals("$.indexes.done", true), incremental)
      .otherwise(
        new Wait(this, "WaitForIndexes", { time: WaitTime.duration(Duration.seconds(30)) }).next(
          buildIndexes,
        ),
      );

    // Chunks left when every worker has returned: a worker at its deadline, one that died mid-chunk
    // (its chunk is claimable once its heartbeat is silent for the timeout, DTS_CHUNK_HEARTBEAT_TIMEOUT_MS),
    // or claim-index entries not yet visible. The workers start again after a wait, not at once.
    copyChunks.next(fullLoadStatus).next(
      new Choice(this, "FullLoadDone?")
        .when(Condition.booleanEquals("$.fullLoad.done", true), buildIndexes.next(indexesBuilt))
        .otherwise(
          new Wait(this, "WaitForChunks", {
            time: WaitTime.duration(Duration.seconds(CHUNK_WAIT_SECONDS)),
          }).next(copyChunks),
        ),
    );
    // Planning a large database takes longer than one Lambda may run: PlanChunks stops before its
    // limit with done false, having saved the chunks it found and where it got to in the ledger,
    // and runs again from there until every table is planned.
    const fullLoad = planChunks.next(
      new Choice(this, "PlanDone?")
        .when(Condition.booleanEquals("$.plan.done", false), planChunks)
        .otherwise(copyChunks),
    );
    const afterSchema = new Choice(this, "FullSelected?")
      .when(Condition.booleanEquals("$.precheck.phases.full", true), fullLoad)
      .otherwise(incremental);
    const phases = capturePosition.next(
      new Choice(this, "SchemaSelected?")
        .when(Condition.booleanEquals("$.precheck.phases.schema", true), schema.next(afterSchema))
        .otherwise(afterSchema),
    );
    const decide = new Choice(this, "PrecheckPassed?")
      .when(Condition.booleanEquals("$.precheck.passed", true), phases)
      .otherwise(
        new Fail(this, "PrecheckFailed", {
          error: "PrecheckFailed",
          causePath: JsonPath.stringAt("$.precheck.summary"),
        }),
      );

    this.stateMachine = new StateMachine(this, "StateMachine", {
      definitionBody: DefinitionBody.fromChainable(start.next(precheck).next(decide)),
      // Full loads of large databases take days; the tailer runs on its own after StartTailer.
      timeout: Duration.days(7),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, "ExecutionLogs", { retention: RetentionDays.ONE_MONTH }),
        // Every state transition is logged, without the execution data (the spec may carry passwords locally).
        level: LogLevel.ALL,
        includeExecutionData: false,
      },
    });
  }

  private invoke(
    id: string,
    fn: NodejsFunction,
    resultPath: string,
    payload: Record<string, unknown>,
  ): LambdaInvoke {
    return new LambdaInvoke(this, id, {
      lambdaFunction: fn,
      payload: TaskInput.fromObject(payload),
      payloadResponseOnly: true,
      resultPath,
    });
  }
}
