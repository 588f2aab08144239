import { DtsError, FatalError, LifecycleRefusal, SpecError } from "../errors.ts";
import type { SpecProblem } from "../spec/load.ts";

/** What every API error answers: a stable code, a message that says what to fix, and details. */
export interface ApiErrorBody {
  error: string;
  message: string;
  /** Spec problems, one per JSON path (400 InvalidSpec only). */
  problems?: SpecProblem[];
}

/** An error the API answers with its own status, never a raw exception. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems?: SpecProblem[],
  ) {
    super(message);
    this.name = "ApiError";
  }

  body(): ApiErrorBody {
    return { error: this.code, message: this.message, ...(this.problems ? { problems: this.problems } : {}) };
  }
}

/** The task was stored but the execution that runs it did not start (the failure is on the task). */
export class ExecutionStartError extends FatalError {
  /** The start's own error message. */
  readonly reason: string;

  constructor(
    readonly task: string,
    cause: unknown,
  ) {
    const reason = (cause as Error).message ?? String(cause);
    super(`the task ${task} was stored but its execution did not start (${reason})`, { cause });
    this.reason = reason;
  }
}

export const notFound = (name: string) =>
  new ApiError(
    404,
    "TaskNotFound",
    `no task named ${name}: create it with POST /tasks (GET /tasks lists the tasks there are)`,
  );

/**
 * The response for any error: ApiError as it is, a spec error as 400 naming the JSON path, other
 * DtsErrors (whose messages say what to do) as 422, anything else as 500 without its internals.
 */
export function errorResponse(error: unknown, requestId?: string): { status: number; body: ApiErrorBody } {
  if (error instanceof ApiError) return { status: error.status, body: error.body() };
  if (error instanceof SpecError) {
    const problems = (error as SpecError & { problems?: SpecProblem[] }).problems;
    return {
      status: 400,
      body: { error: "InvalidSpec", message: error.message, ...(problems ? { problems } : {}) },
    };
  }
  if (error instanceof LifecycleRefusal)
    return { status: 409, body: { error: "TaskConflict", message: error.message } };
  if (error instanceof DtsError) return { status: 422, body: { error: error.name, message: error.message } };
  const reference = requestId ? ` (request ${requestId})` : "";
  return {
    status: 500,
    body: {
      error: "InternalError",
      message: `the request failed unexpectedly${reference}: the API function's log has the details; retry, and report it if it persists`,
    },
  };
}
