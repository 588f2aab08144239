import { callConfig, type DtsConfig } from "../config.ts";
import { handlerCall, type LogFields } from "../logger.ts";
import { parseTaskSpec } from "../spec/load.ts";
import type { TaskSpec } from "../spec/schema.ts";
import type { CheckpointStore } from "../store/checkpoint-store.ts";
import type { ChunkLedger } from "../store/chunk-ledger.ts";
import { defaultCheckpointStore, defaultChunkLedger, defaultTaskStore } from "../store/index.ts";
import type { TaskStore } from "../store/task-store.ts";

/** The three stores of a task: the task records, the chunk ledger, checkpoints and leases. */
export interface TaskStores {
  store: TaskStore;
  ledger: ChunkLedger;
  checkpoints: CheckpointStore;
}

/** This process's stores (DynamoDB, tables and endpoint from its config). */
export function processStores(): TaskStores {
  return { store: defaultTaskStore(), ledger: defaultChunkLedger(), checkpoints: defaultCheckpointStore() };
}

/** What one call of a state machine step works with. */
export interface TaskStep extends TaskStores {
  /** The task's spec, from the execution input (validated). */
  spec: TaskSpec;
  config: DtsConfig;
}

/**
 * The preamble of a Task state's Lambda, written once: the call is logged as one line (function,
 * task, outcome, ms, `summary` of the result; core/logger.ts handlerCall), the execution input's
 * spec is validated, the config read (`environment`: variables standing in for the deployed ones,
 * as core/config.ts callConfig takes them) and the stores made. A handler then reads
 * `parse event -> call core -> return`.
 */
export function taskStep<T>(
  name: string,
  event: { spec: unknown },
  call: (step: TaskStep) => Promise<T>,
  summary?: (result: T) => LogFields,
  environment?: object,
): Promise<T> {
  return handlerCall(
    name,
    event,
    () => {
      const spec = parseTaskSpec(event.spec, "the execution input");
      return call({ spec, config: callConfig(environment), ...processStores() });
    },
    summary,
  );
}
