import { handlerCall } from "#core/logger.ts";
import { PhaseMoveError } from "#core/model/phase.ts";
import { defaultTaskStore } from "#core/store/index.ts";

export interface RecordFailureEvent {
  /** The execution input (the spec, or {task} naming a saved one), possibly invalid. */
  spec: unknown;
  /** What a Catch put at $.error: { Error, Cause }. */
  error: { Error?: string; Cause?: string };
  state?: string;
}

export interface RecordFailureOutput {
  error: string;
  cause: string;
}

/** Lambda's Cause is JSON ({errorMessage, errorType, trace}); keep only the message. */
export function readableCause(cause: string | undefined): string {
  if (!cause) return "no cause was given";
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === "string") return parsed.errorMessage;
  } catch {
    // a plain-text cause
  }
  return cause;
}

/** Lambda `record-failure`: the Catch target of every Task; stores the reason on the task. */
export function handler(event: RecordFailureEvent): Promise<RecordFailureOutput> {
  return handlerCall(
    "record-failure",
    event,
    () => recordFailure(event),
    (r) => ({
      state: event.state,
      failure: { name: r.error, message: r.cause },
    }),
  );
}

async function recordFailure(event: RecordFailureEvent): Promise<RecordFailureOutput> {
  const error = event.error.Error ?? "Error";
  const cause = readableCause(event.error.Cause);
  // The spec, or {task} naming a saved one (core/api/task-step.ts).
  const spec = event.spec as { name?: unknown; task?: unknown } | null;
  const name = spec?.name ?? spec?.task;
  if (typeof name === "string" && error !== "SpecError") {
    const store = defaultTaskStore();
    const task = await store.get(name);
    // A step refused because the task was paused meanwhile: the pause ended the execution, which
    // is not a failure of the task (core/model/phase.ts).
    const endedByPause = error === PhaseMoveError.name && task?.phase === "paused";
    if (task && !endedByPause) await store.recordFailure(name, { error, cause, state: event.state });
  }
  return { error, cause };
}
