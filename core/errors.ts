/**
 * The small set of error classes every layer uses. Each carries a message that says what to do;
 * the CLI prints `message` (and `details` with --verbose), never a stack trace, for these.
 */
export class DtsError extends Error {
  /** Lines with more detail (one per problem), shown with --verbose or under the message. */
  readonly details: string[];

  constructor(message: string, options: { cause?: unknown; details?: string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details ?? [];
  }
}

/** The task spec is invalid: the user must edit it. */
export class SpecError extends DtsError {}

/** Worth retrying within the task's retry window (lost connection, lock wait). */
export class RetriableError extends DtsError {}

/** Not worth retrying: the task stops with this reason stored. */
export class FatalError extends DtsError {}

/** The binlog the tailer needs was purged: incremental migration cannot go on without a new load. */
export class BinlogPurgedError extends FatalError {}

/** This writer lost its lease: another writer owns the task now. */
export class FencedError extends DtsError {}

/** Going on with a task would redo or lose data, or it is busy: the message names the command to use. */
export class LifecycleRefusal extends DtsError {}

/** The local environment is not ready (a server of the local stack is down, a file is missing). */
export class EnvironmentError extends DtsError {}
