import type { Resumption } from "#core/api/task-service.ts";
import type { DtsConfig } from "#core/config.ts";
import { SpecError } from "#core/errors.ts";
import { createLogger, fileDestination, useProcessLogger } from "#core/logger.ts";
import { precheckLine, renderPrecheckReport } from "#core/precheck/render.ts";
import { loadTaskSpec } from "#core/spec/load.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { ensureLocalTables } from "#core/store/local-tables.ts";
import { localLogFile } from "../local/environment.ts";
import type { StateEvent } from "../local/runner.ts";
import { waitUntilCaughtUp } from "./caught-up.ts";
import { EXIT } from "./errors.ts";
import { FullLoadProgress } from "./progress.ts";
import { cliTasks } from "./tasks.ts";

function describe(event: StateEvent, startedAt: number): string | undefined {
  switch (event.kind) {
    case "entered":
      return `> ${event.state.padEnd(16)} ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s`;
    case "retried":
      return `  ${event.state}: retrying after ${event.error ?? "an error"}`;
    case "caught":
      return `  ${event.state}: failed with ${event.error ?? "an error"}`;
    default:
      return undefined;
  }
}

/** What `dts run` says when the task went on without an execution: its tailer runs, or was restarted. */
function tailerLine(name: string, resumption: Exclude<Resumption, { kind: "execution-started" }>): string {
  if (resumption.kind === "tailer-running") {
    return `Task ${name} is in incremental migration already (tailer ${resumption.tailer.owner}); \`dts status ${name}\` shows it.`;
  }
  const { launched } = resumption;
  return launched.alreadyRunning
    ? `Task ${name} is in incremental migration; its tailer (${launched.id}) is reconnecting. \`dts status ${name}\` shows it.`
    : `Task ${name} was in incremental migration but its tailer had stopped: restarted it (${launched.id}) from its checkpoint.`;
}

/**
 * `dts run <spec.json>`: goes on with the task (core/api/task-service.ts resume): a running tailer
 * is left alone, a stopped one restarted, else the task's state machine runs locally, in this
 * process, and this shows which state it is in. The handlers' log lines go to .stack/dts.log, not
 * to the terminal.
 */
export async function runCommand(
  file: string,
  options: { json?: boolean; until?: string },
  config: DtsConfig,
): Promise<number> {
  if (options.until !== undefined && options.until !== "caught-up") {
    throw new SpecError(`--until takes "caught-up", not "${options.until}"`);
  }
  const logger = createLogger(config.log, { destination: fileDestination(localLogFile()) });
  useProcessLogger(logger);
  const spec = await loadTaskSpec(file);
  const log = (line: string) => {
    if (!options.json) process.stdout.write(`${line}\n`);
  };
  // Before the first run the tables may not exist yet.
  await ensureLocalTables(documentClient(), tableNames());
  const { tasks, executions } = cliTasks(config, { log: logger, onEvent: (event) => onState(event) });
  const progress = new FullLoadProgress(() => tasks.progress(spec.name));
  const startedAt = Date.now();
  function onState(event: StateEvent): void {
    if (event.kind === "entered" && event.state === "CopyChunk") return;
    if (event.kind === "entered" && event.state === "CopyChunks" && !options.json) progress.start();
    if (event.kind === "entered" && event.state === "FullLoadDone?") void progress.stop();
    const line = describe(event, startedAt);
    if (line) log(line);
  }

  const resumption = await tasks.resume(spec);
  if (resumption.kind !== "execution-started") {
    log(tailerLine(spec.name, resumption));
    if (options.until === "caught-up") await waitUntilCaughtUp(spec, log);
    return EXIT.ok;
  }
  const { previous } = resumption;
  if (previous?.phase === "failed" && previous.lastError) {
    log(
      `Task ${spec.name} had failed (${previous.lastError.error}: ${previous.lastError.cause}); running it again from the start.`,
    );
  }
  log(`Running task ${spec.name} on the local stack`);
  const execution = await executions.outcome(resumption.executionId);
  await progress.stop();
  const task = await tasks.find(spec.name);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...execution, definition: undefined, task }, null, 2)}\n`);
  } else if (execution.status === "SUCCEEDED") {
    if (task?.precheck) log(`\n${precheckLine(task.precheck)}`);
    if (task?.schema) log(`Schema: ${task.schema.createdTables.length} table(s) in the destination`);
    for (const note of task?.schema?.notes ?? []) log(`  note: ${note}`);
    if (task?.fullLoad?.completedAt) {
      const seconds = (Date.parse(task.fullLoad.completedAt) - Date.parse(task.fullLoad.startedAt)) / 1000;
      const rows = task.fullLoad.rows ?? 0;
      log(
        `Full load: ${rows} row(s) in ${task.fullLoad.chunks} chunk(s), ${seconds.toFixed(1)} s (${Math.round(rows / Math.max(seconds, 0.001))} rows/s)`,
      );
    }
    const check =
      spec.destination.type === "mysql"
        ? " Check the copy with `dts verify`."
        : ` Messages are on ${spec.destination.topic}.`;
    log(`\nTask ${spec.name} succeeded (phase: ${task?.phase ?? "unknown"}).${check}`);
  } else {
    if (execution.error === "PrecheckFailed" && task?.precheck)
      log(`\n${renderPrecheckReport(task.precheck)}`);
    else log(`\n${execution.error}: ${execution.cause}`);
    log(
      `\nTask ${spec.name} failed in ${execution.states.at(-2) ?? "the first state"}. \`dts status ${spec.name}\` shows it.`,
    );
  }
  if (execution.status === "SUCCEEDED" && task?.phase === "incremental") {
    if (options.until === "caught-up") await waitUntilCaughtUp(spec, log);
    else log(`The tailer keeps the destination in sync; stop it with \`dts stop ${spec.name}\`.`);
  }
  return execution.status === "SUCCEEDED" ? EXIT.ok : EXIT.failed;
}
