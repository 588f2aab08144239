/**
 * The tailer's composition root: Fargate runs it in AWS, `dts run` spawns it locally.
 * Environment: DTS_TASK (task name), the DynamoDB table names, and DYNAMODB_ENDPOINT locally.
 */
import pino from "pino";
import { DtsError } from "#core/errors.ts";
import { redact, redactText } from "#core/redact.ts";
import { runTaskTailer } from "#core/stream/service.ts";

const logger = pino({
  base: { task: process.env.DTS_TASK },
  timestamp: pino.stdTimeFunctions.isoTime,
  // One redaction rule for every line: secret-named fields hidden, URL credentials removed.
  formatters: { log: (fields) => redact(fields) },
  hooks: {
    logMethod(args, method) {
      method.apply(this, args.map((a) => (typeof a === "string" ? redactText(a) : a)) as typeof args);
    },
  },
});
const task = process.env.DTS_TASK;
if (!task) {
  logger.error("DTS_TASK is not set: the tailer needs the name of the task to run");
  process.exit(2);
}

const run = runTaskTailer(task, (message, fields) => logger.info(fields ?? {}, message));
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    logger.info({ signal }, "stopping: flushing the checkpoint");
    run.stop();
  });
}

try {
  const reason = await run.done;
  logger.info({ reason }, "tailer stopped");
  process.exit(reason === "fenced" ? 3 : 0);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  logger.error(
    {
      error: error instanceof DtsError ? error.name : "Error",
      stack: error instanceof DtsError ? undefined : (error as Error).stack,
    },
    message,
  );
  process.exit(1);
}
