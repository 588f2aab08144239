import { ConfigError } from "#core/config.ts";
import { DtsError, EnvironmentError, SpecError } from "#core/errors.ts";
import { redactText } from "#core/redact.ts";

/** Exit codes: 0 ok, 1 the task or a check failed, 2 the spec (or the command line, or the environment) is invalid. */
export const EXIT = { ok: 0, failed: 1, invalid: 2 } as const;

/** Errors from the local stack's servers that mean "it is not running", in the user's words. */
export function explainEnvironment(error: unknown): DtsError | undefined {
  const e = error as {
    code?: string;
    name?: string;
    message?: string;
    $metadata?: unknown;
    cause?: { code?: string };
  };
  const code = e.code ?? e.cause?.code;
  if (
    (code === "ECONNREFUSED" || e.name === "TimeoutError") &&
    (e.$metadata !== undefined || /38000/.test(String(e.message)))
  ) {
    return new EnvironmentError(
      "cannot reach DynamoDB Local at 127.0.0.1:38000: start the local stack with `npm run stack:up`",
      { cause: error },
    );
  }
  return undefined;
}

/** Everything the CLI prints about an error goes through the redaction rule. */
const write = (text: string) => process.stderr.write(redactText(text));

/** Prints one clear line for a user mistake (details with --verbose); returns the exit code. */
export function reportError(error: unknown, verbose: boolean): number {
  const known = error instanceof DtsError ? error : explainEnvironment(error);
  if (known) {
    write(`dts: ${known.message}\n`);
    const details = known.details.length > 1 || verbose ? known.details : [];
    for (const line of details) write(`  ${line}\n`);
    if (verbose && known.cause) write(`  cause: ${String((known.cause as Error).stack ?? known.cause)}\n`);
    return known instanceof SpecError || known instanceof ConfigError ? EXIT.invalid : EXIT.failed;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`dts: unexpected error: ${message}\n`);
  if (verbose && error instanceof Error) write(`${error.stack}\n`);
  else
    process.stderr.write("  (run again with --verbose for the stack trace, and report it if it persists)\n");
  return EXIT.failed;
}
