import { callConfig, type DtsConfig } from "../config.ts";
import { SpecError } from "../errors.ts";
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

/**
 * An execution input naming a saved task instead of carrying its spec: what the API, `dts run`
 * and `dts serve` start executions with, so a spec of any size stays out of Step Functions'
 * 256 KB input and state limits. (The Start state puts it under $.spec, where a whole spec goes.)
 */
export interface TaskReference {
  task: string;
}

export const taskReference = (task: string): TaskReference => ({ task });

/** The task an execution input names: `{ task }`, else undefined (a whole spec, or anything else). */
export function referencedTask(input: unknown): string | undefined {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return undefined;
  const { task } = input as { task?: unknown };
  return Object.keys(input).length === 1 && typeof task === "string" ? task : undefined;
}

/** The task an execution input is about, by reference or by its spec's name (undefined for neither). */
export function inputTaskName(input: unknown): string | undefined {
  const name = referencedTask(input) ?? (input as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name : undefined;
}

/**
 * The spec of an execution input: the whole spec (started from the Step Functions console), or
 * the saved spec of the task a reference names. Both are validated.
 */
export async function executionSpec(input: unknown, store: Pick<TaskStore, "get">): Promise<TaskSpec> {
  const name = referencedTask(input);
  if (name === undefined) return parseTaskSpec(input, "the execution input");
  const task = await store.get(name);
  if (!task)
    throw new SpecError(
      `the execution input names task ${JSON.stringify(name.slice(0, 100))}, which was never saved: start it with POST /tasks or \`dts run\` (they save the spec first), or pass the whole spec as the input`,
    );
  return parseTaskSpec(task.spec, `the saved spec of task ${name}`);
}

/** What one call of a state machine step works with. */
export interface TaskStep extends TaskStores {
  /** The task's spec, from the execution input or the task it names (validated). */
  spec: TaskSpec;
  config: DtsConfig;
}

/**
 * The preamble of a Task state's Lambda, written once: the call is logged as one line (function,
 * task, outcome, ms, `summary` of the result; core/logger.ts handlerCall), the execution input's
 * spec is validated (read from the task store when the input is a reference), the config read (`environment`: variables standing in for the deployed ones,
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
    async () => {
      // A whole spec is validated before the config is read: a bad spec is the first thing to fix.
      const whole = referencedTask(event.spec) === undefined;
      const early = whole ? parseTaskSpec(event.spec, "the execution input") : undefined;
      const config = callConfig(environment);
      const stores = processStores();
      const spec = early ?? (await executionSpec(event.spec, stores.store));
      return call({ spec, config, ...stores });
    },
    summary,
  );
}
