import type { PrecheckReport } from "../precheck/types.ts";
import type { TaskSpec } from "../spec/schema.ts";
import type { CheckpointStore } from "../store/checkpoint-store.ts";
import type { ChunkLedger } from "../store/chunk-ledger.ts";
import type { TaskStore } from "../store/task-store.ts";
import type { TailerLauncher } from "../task/tailer-start.ts";

/**
 * Starts and stops executions of the task state machine: Step Functions StartExecution in AWS
 * (step-functions.ts), the local runner in-process on a workstation (local/api-starter.ts).
 */
export interface ExecutionStarter {
  /**
   * Starts an execution for the task whose spec was just saved (TaskService saves it first); its
   * input names the task ({ task }, core/api/task-step.ts). Returns its id (an execution ARN).
   */
  start(spec: TaskSpec): Promise<{ executionId: string }>;
  /** Ids of the task's executions that have not ended. */
  running(task: string): Promise<string[]>;
  /**
   * Stops the task's running executions; returns what was stopped and, when an execution cannot
   * be interrupted at once, how the stop takes effect.
   */
  stop(task: string, reason: string): Promise<{ stopped: string[]; note?: string }>;
}

import type { SecretPolicy } from "../config.ts";

export type { SecretPolicy };

/** What the task service works with (core/api/task-service.ts); adapters are chosen by the composition root. */
export interface TaskServiceDeps {
  store: TaskStore;
  ledger: Pick<ChunkLedger, "summary" | "replace">;
  checkpoints: Pick<CheckpointStore, "read" | "requestStop" | "clearStop" | "reset" | "remove">;
  executions: ExecutionStarter;
  /** The front door the service answers (API, CLI): a failure to start an execution is stored as in this state. */
  origin: string;
  /** Starts a task's tailer: needed only to resume a task whose steps before the tailer are done. */
  launcher?: TailerLauncher | undefined;
  now?: () => number;
}

/** What the API operations work with: the task service's ports, the precheck and the secret policy. */
export interface TaskApiDeps extends Omit<TaskServiceDeps, "origin"> {
  precheck(spec: TaskSpec, options: { ownedTables?: string[] }): Promise<PrecheckReport>;
  secrets: SecretPolicy;
}
