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
    const environment = {
      DTS_TASKS_TABLE: this.tables.tasks.tableName,
      DTS_CHUNKS_TABLE: this.tables.chunks.tableName,
      DTS_CHECKPOINTS_TABLE: this.tables.checkpoints.tableName,
    };

    const fn = (name: string, memoryMb: number, timeout: Duration) => {
      const id = name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
      const created = taskFunction(this, `${id}Function`, { name, memoryMb, timeout, environment });
      this.tables.tasks.grantReadWriteData(created);
      this.tables.chunks.grantReadWriteData(created);
      this.tables.checkpoints.grantReadWriteData(created);
      return created;
    };
    const functions = {
      precheck: fn("precheck", 512, Duration.minutes(2)),
      capturePosition: fn("capture-position", 256, Duration.minutes(1)),
      schema: fn("schema", 512, Duration.minutes(10)),
      planChunks: fn("plan-chunks", 512, Duration.minutes(10)),
      // Copy workers stop claiming chunks two minutes before Lambda's 15-minute limit.
      copyChunk: fn("copy-chunk", 1769, Duration.minutes(15)),
      fullLoadStatus: fn("full-load-status", 256, Duration.minutes(1)),
      // Sorted index builds after the load; very large tables may need longer than one Lambda.
      buildIndexes: fn("build-indexes", 256, Duration.minutes(15)),
      startTailer: fn("start-tailer", 256, Duration.minutes(1)),
      recordFailure: fn("record-failure", 256, Duration.seconds(30)),
    };
    this.workflow = new Workflow(this, "Workflow", functions);
  }
}
