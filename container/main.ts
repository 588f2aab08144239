/**
 * The tailer's composition root: Fargate runs it in AWS, `dts run` spawns it locally.
 * Environment (core/config.ts): DTS_TASK (task name), the DynamoDB table names, DYNAMODB_ENDPOINT
 * locally, DTS_LEASE_TTL_MS, DTS_EMF, DTS_LOG_LEVEL. Logs are JSON lines on stdout.
 */
import { ConfigError, type DtsConfig, processConfig } from "#core/config.ts";
import { runTaskTailer } from "#core/incremental/service.ts";
import { createLogger } from "#core/logger.ts";

let config: DtsConfig;
try {
  config = processConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  createLogger({ level: "info" }).error(error.message, { error });
  process.exit(2);
}
const task = config.task;
const logger = createLogger(config.log, { fields: { task } });
if (!task) {
  logger.error("DTS_TASK is not set: the tailer needs the name of the task to run");
  process.exit(2);
}

const run = runTaskTailer(task, { config: config.tailer, log: logger });
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    logger.info("stopping: flushing the checkpoint", { signal });
    run.stop();
  });
}

try {
  const reason = await run.done;
  logger.info("tailer stopped", { reason });
  // 0: paused as asked; 3: fenced (another tailer holds the task); 143: stopped by a signal without
  // a pause, so a supervisor relaunches it (docs/deploy.md).
  process.exit(reason === "fenced" ? 3 : reason === "interrupted" ? 143 : 0);
} catch (error) {
  // A DtsError is logged with its name and message; anything else with its stack too.
  logger.error(error instanceof Error ? error.message : String(error), { error });
  process.exit(1);
}
