import type { PrecheckReport } from "../precheck/types.ts";
import type { TaskSpec } from "../spec/schema.ts";
import type { CheckpointStore } from "../store/checkpoint-store.ts";
import type { ChunkLedger } from "../store/chunk-ledger.ts";
import type { TaskStore } from "../store/task-store.ts";

/**
 * Starts and stops executions of the task state machine: Step Functions StartExecution in AWS
 * (step-functions.ts), the local runner in-process on a workstation (local/api-starter.ts).
 */
export interface ExecutionStarter {
  /** Starts an execution whose input is the spec; returns its id (an execution ARN). */
  start(spec: TaskSpec): Promise<{ executionId: string }>;
  /** Ids of the task's executions that have not ended. */
  running(task: string): Promise<string[]>;
  /**
   * Stops the task's running executions; returns what was stopped and, when an execution cannot
   * be interrupted at once, how the stop takes effect.
   */
  stop(task: string, reason: string): Promise<{ stopped: string[]; note?: string }>;
}

/** Where passwords may come from: in AWS only Secrets Manager secrets the stack may read. */
export interface SecretPolicy {
  /** Refuse specs carrying a password (AWS: the spec is stored and shown in the console). */
  requireSecretArns: boolean;
  /** Secret names the stack's functions and tailer may read start with this (e.g. "dts/"). */
  namePrefix?: string | undefined;
}

/** What the API operations work with; adapters are chosen by the composition root. */
export interface TaskApiDeps {
  store: TaskStore;
  ledger: Pick<ChunkLedger, "summary">;
  checkpoints: Pick<CheckpointStore, "read" | "requestStop">;
  executions: ExecutionStarter;
  precheck(spec: TaskSpec, options: { ownedTables?: string[] }): Promise<PrecheckReport>;
  secrets: SecretPolicy;
  now?: () => number;
}
