import type { IGrantable } from "aws-cdk-lib/aws-iam";
import type { Tables } from "./tables.ts";

/** What a function does with one table: read (Get, BatchGet, Query, Scan), write (Put, Update, Delete, BatchWrite), or both. */
export type TableUse = "read" | "write" | "read-write";

/** A function's use of each table; a table left out is not granted at all. */
export interface TableAccess {
  tasks?: TableUse;
  chunks?: TableUse;
  checkpoints?: TableUse;
}

/**
 * Each function's tables, read from its handler and the core code it calls (least privilege: a
 * function whose code starts using another table, or writing one it only read, needs its line
 * here changed, and test/infra/access.test.ts checks the template against this table).
 *
 * | function          | tasks      | chunks     | checkpoints | what it does with them |
 * | ----------------- | ---------- | ---------- | ----------- | ---------------------- |
 * | precheck          | read-write | -          | -           | saves the spec, phase and report |
 * | capture-position  | read-write | -          | write       | saves the position; resets the checkpoint |
 * | schema            | read-write | -          | -           | saves the schema outcome |
 * | plan-chunks       | read-write | read-write | -           | writes the plan; keeps a resumed one |
 * | copy-chunk        | read       | read-write | -           | claims, heartbeats and finishes chunks |
 * | full-load-status  | read-write | read       | -           | reads the ledger summary; records completion |
 * | build-indexes     | read-write | -          | -           | records the index builds |
 * | start-tailer      | read-write | -          | write       | clears a stop request; moves to incremental |
 * | record-failure    | read-write | -          | -           | stores the failure |
 * | relaunch-tailer   | read-write | -          | read-write  | reads the lease; clears a stop; records the streak |
 * | watch-tasks       | read       | -          | read        | lists incremental tasks and their leases |
 * | api               | read-write | read-write | read-write  | every operation; restart and delete empty the ledger |
 * | tailer (Fargate)  | read-write | -          | read-write  | lease, checkpoint, figures, phase |
 *
 * Read and write are CDK's grantReadData and grantWriteData action sets (DescribeTable in both):
 * the store adapters (core/store) may change how a record is laid out in items without this
 * table changing, as long as each function keeps to its tables and to reading or writing.
 */
export const FUNCTION_TABLES = {
  precheck: { tasks: "read-write" },
  "capture-position": { tasks: "read-write", checkpoints: "write" },
  schema: { tasks: "read-write" },
  "plan-chunks": { tasks: "read-write", chunks: "read-write" },
  "copy-chunk": { tasks: "read", chunks: "read-write" },
  "full-load-status": { tasks: "read-write", chunks: "read" },
  "build-indexes": { tasks: "read-write" },
  "start-tailer": { tasks: "read-write", checkpoints: "write" },
  "record-failure": { tasks: "read-write" },
  "relaunch-tailer": { tasks: "read-write", checkpoints: "read-write" },
  "watch-tasks": { tasks: "read", checkpoints: "read" },
  api: { tasks: "read-write", chunks: "read-write", checkpoints: "read-write" },
} as const satisfies Record<string, TableAccess>;

/** The tailer's Fargate task role. */
export const TAILER_TABLES = {
  tasks: "read-write",
  checkpoints: "read-write",
} as const satisfies TableAccess;

export type FunctionName = keyof typeof FUNCTION_TABLES;

/** Grants `grantee` exactly the table use `access` lists. */
export function grantTables(tables: Tables, grantee: IGrantable, access: TableAccess): void {
  for (const name of ["tasks", "chunks", "checkpoints"] as const) {
    const use = access[name];
    if (use === "read" || use === "read-write") tables[name].grantReadData(grantee);
    if (use === "write" || use === "read-write") tables[name].grantWriteData(grantee);
  }
}
