import "./polyfills.ts";
import { StateMachine } from "aws-local-stepfunctions";
import { inputTaskName } from "#core/api/task-step.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { ensureLocalTables } from "#core/store/local-tables.ts";
import { type LocalDefinition, localDefinition } from "./definition.ts";
import { localConfig } from "./environment.ts";
import { type Handler, loadHandler } from "./handlers.ts";

/** What happened in one local execution. */
export interface LocalExecution {
  status: "SUCCEEDED" | "FAILED";
  output?: unknown;
  error?: string;
  cause?: string;
  /** The definition that ran (resolved from the synthesized template). */
  definition: LocalDefinition;
  /** States entered, in order. */
  states: string[];
}

export interface StateEvent {
  kind: "entered" | "exited" | "failed" | "retried" | "caught";
  state: string;
  error?: string;
}

function causeText(cause: unknown): string {
  if (typeof cause === "string") return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause);
}

/**
 * Runs the state machine CDK synthesizes, locally: every Task state invokes the same handler
 * module its Lambda deploys; DynamoDB Local holds the task state. `input` is a whole spec or
 * { task } naming a saved one, as in AWS.
 */
export async function runLocally(
  input: unknown,
  onEvent: (event: StateEvent) => void = () => undefined,
): Promise<LocalExecution> {
  // The handlers bound below read this process's config too: checked here, before anything runs.
  localConfig();
  await ensureLocalTables(documentClient(), tableNames());
  const definition = await localDefinition();
  const taskResourceLocalHandlers: Record<string, Handler> = {};
  await Promise.all(
    Object.entries(definition.functionsByState).map(async ([state, fn]) => {
      taskResourceLocalHandlers[state] = await loadHandler(fn);
    }),
  );
  // A definition from the cache was validated when it was synthesized.
  const machine = new StateMachine(JSON.parse(definition.text), {
    validationOptions: definition.validated ? { noValidate: true } : { checkArn: true },
  });
  const name = inputTaskName(input);
  const executionId = `arn:aws:states:us-east-1:000000000000:execution:dts-local:${String(name ?? "task")}-${Date.now()}`;
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: taskResourceLocalHandlers as never },
    context: { Execution: { Id: executionId, Input: input, StartTime: new Date().toISOString() } } as never,
  });
  const states: string[] = [];
  const logs = (async () => {
    for await (const event of execution.eventLogs) {
      if (!("state" in event)) continue;
      const kind = {
        StateEntered: "entered",
        StateExited: "exited",
        StateFailed: "failed",
        StateRetried: "retried",
        StateCaught: "caught",
      }[event.type as string] as StateEvent["kind"] | undefined;
      if (!kind) continue;
      if (kind === "entered") states.push(event.state.name);
      onEvent({ kind, state: event.state.name, error: "Error" in event ? String(event.Error) : undefined });
    }
  })();
  try {
    const output = await execution.result;
    await logs;
    return { status: "SUCCEEDED", output, definition, states };
  } catch (error) {
    await logs.catch(() => undefined);
    // aws-local-stepfunctions wraps the failure: ExecutionError { cause: Error { name: Error, message: Cause } }.
    const failure =
      (error as { cause?: unknown }).cause instanceof Error ? (error as { cause: Error }).cause : error;
    const e = failure as { name?: string; message?: string };
    return {
      status: "FAILED",
      error: e.name ?? "Error",
      cause: causeText(e.message ?? failure),
      definition,
      states,
    };
  }
}
