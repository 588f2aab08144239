/**
 * The one structured logger: JSON lines (pino) with stable keys, level from the config.
 *
 *   {"level":30,"time":"2025-01-01T00:00:00.000Z","task":"orders","phase":"incremental",...,"msg":"lease taken"}
 *
 * `level` is pino's number (50 = error: the tailer's error alarm counts those), `time` is ISO 8601,
 * `msg` comes last. Fields named `task`, `phase`, `table`, `chunk` and `position` mean the same
 * everywhere. Every line passes the project's redaction rule (core/redact.ts): fields through
 * `redact()`, the message through `redactText()`. An Error in a field is written as its name and
 * message (and cause); the stack only for errors that are not DtsErrors (those are bugs).
 */
import pino, { type DestinationStream, type Logger as PinoLogger } from "pino";
import { type LogConfig, type LogLevel, processConfig } from "./config.ts";
import { DtsError } from "./errors.ts";
import { redact, redactText } from "./redact.ts";
import { asRetriable } from "./retry.ts";

export interface LogFields {
  task?: string | undefined;
  phase?: string | undefined;
  table?: string | undefined;
  chunk?: string | number | undefined;
  position?: unknown;
  [key: string]: unknown;
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines all carry `fields` (e.g. the task). */
  child(fields: LogFields): Logger;
}

/** Where lines go: anything with write(line), e.g. process.stderr. */
export interface LogDestination {
  write(line: string): unknown;
}

/** Receives each line as an object (tests, or a caller that keeps entries itself). */
export type LogSink = (entry: Record<string, unknown>) => void;

export interface ErrorFields {
  name: string;
  message: string;
  cause?: string;
  stack?: string;
}

/** An error as a log field: name and message; the stack only for unexpected (non-DtsError) errors. */
export function errorFields(error: unknown): ErrorFields {
  if (!(error instanceof Error)) return { name: "Error", message: redactText(String(error)) };
  const fields: ErrorFields = { name: error.name, message: redactText(error.message) };
  if (error.cause !== undefined)
    fields.cause = redactText(error.cause instanceof Error ? error.cause.message : String(error.cause));
  if (!(error instanceof DtsError) && error.stack) fields.stack = redactText(error.stack);
  return fields;
}

function prepare(fields: LogFields | undefined): Record<string, unknown> {
  if (!fields) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) out[key] = value instanceof Error ? errorFields(value) : value;
  }
  return redact(out);
}

class PinoBacked implements Logger {
  constructor(private readonly pino: PinoLogger) {}

  debug(message: string, fields?: LogFields): void {
    this.pino.debug(prepare(fields), redactText(message));
  }

  info(message: string, fields?: LogFields): void {
    this.pino.info(prepare(fields), redactText(message));
  }

  warn(message: string, fields?: LogFields): void {
    this.pino.warn(prepare(fields), redactText(message));
  }

  error(message: string, fields?: LogFields): void {
    this.pino.error(prepare(fields), redactText(message));
  }

  child(fields: LogFields): Logger {
    return new PinoBacked(this.pino.child(prepare(fields)));
  }
}

/** Synchronous writes to stdout: nothing is lost when Lambda freezes or the process exits. */
function stdout(): LogDestination {
  return pino.destination({ dest: 1, sync: true });
}

/** Appends to a file (made with its directory if missing), synchronously. */
export function fileDestination(path: string): LogDestination {
  return pino.destination({ dest: path, sync: true, mkdir: true, append: true });
}

export function createLogger(
  config: LogConfig,
  options: { fields?: LogFields; destination?: LogDestination } = {},
): Logger {
  const logger = pino(
    {
      level: config.level,
      // No pid or hostname: the fields given here are every line's first keys.
      base: prepare(options.fields),
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    (options.destination ?? stdout()) as DestinationStream,
  );
  return new PinoBacked(logger);
}

/** A logger that hands each (redacted) line to `sink` as an object. */
export function sinkLogger(sink: LogSink, config: LogConfig = { level: "info" }): Logger {
  return createLogger(config, {
    destination: { write: (line) => sink(JSON.parse(line) as Record<string, unknown>) },
  });
}

export const silentLogger: Logger = createLogger({ level: "silent" }, { destination: { write: () => true } });

/** A logger, or a sink for its lines (callers that only collect or drop them). */
export function asLogger(log: Logger | LogSink): Logger {
  return typeof log === "function" ? sinkLogger(log) : log;
}

let installed: Logger | undefined;

/**
 * Makes `logger` the one the handlers hosted in this process write to. A root that runs the
 * Lambda handlers in-process (the CLI's local runs, `dts serve`) installs its own; in Lambda the
 * handler's first call makes one from the config (stdout).
 */
export function useProcessLogger(logger: Logger): void {
  installed = logger;
}

export function processLogger(): Logger {
  if (!installed) {
    let level: LogLevel = "info";
    try {
      level = processConfig().log.level;
    } catch {
      // A bad environment: the call that needs the config fails with the reason, and logs it here.
    }
    installed = createLogger({ level });
  }
  return installed;
}

/**
 * Runs `call` and logs one line for it: `outcome` ok (with `summary` of the result) or failed
 * (with the error, which is rethrown), and how long it took in `ms`.
 */
export async function logCall<T>(
  log: Logger,
  message: string,
  fields: LogFields,
  call: () => Promise<T>,
  summary?: (result: T) => LogFields,
): Promise<T> {
  const started = Date.now();
  try {
    const result = await call();
    log.info(message, { ...fields, outcome: "ok", ms: Date.now() - started, ...summary?.(result) });
    return result;
  } catch (error) {
    log.error(message, { ...fields, outcome: "failed", ms: Date.now() - started, error });
    throw error;
  }
}

/** The task a state machine event is about: its spec's name, when it has one. */
export function eventTask(event: unknown): string | undefined {
  // A whole spec names its task; an execution input {task} names a saved one (core/api/task-step.ts).
  const spec = (event as { spec?: { name?: unknown; task?: unknown } } | null)?.spec;
  const name = spec?.name ?? spec?.task;
  return typeof name === "string" ? name : undefined;
}

/**
 * A task Lambda's call: one line with the function, the task and the outcome. An error worth
 * retrying (core/retry.ts: a connection lost mid-query, a deadlock, a throttled DynamoDB, a broker
 * away) that is not a RetriableError yet leaves as one, with the original as its cause, so the
 * state machine's Retry on RetriableError takes it.
 */
export function handlerCall<T>(
  name: string,
  event: unknown,
  call: () => Promise<T>,
  summary?: (result: T) => LogFields,
): Promise<T> {
  const retriable = async () => {
    try {
      return await call();
    } catch (error) {
      throw asRetriable(error);
    }
  };
  return logCall(
    processLogger(),
    "handler call",
    { function: name, task: eventTask(event) },
    retriable,
    summary,
  );
}
