import { existsSync, statSync } from "node:fs";
import type { Resumption, TaskService } from "#core/api/task-service.ts";
import type { DtsConfig } from "#core/config.ts";
import { DtsError, SpecError } from "#core/errors.ts";
import { createLogger, fileDestination, useProcessLogger } from "#core/logger.ts";
import { precheckLine, renderPrecheckReport } from "#core/precheck/render.ts";
import { loadTaskSpec } from "#core/spec/load.ts";
import type { TaskSpec } from "#core/spec/schema.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { ensureLocalTables } from "#core/store/local-tables.ts";
import type { TaskRecord } from "#core/store/task-store.ts";
import { localLogFile } from "../local/environment.ts";
import type { StateEvent } from "../local/runner.ts";
import { waitUntilCaughtUp } from "./caught-up.ts";
import { confirm } from "./confirm.ts";
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

/** What `dts run`/`dts resume` says when the task went on without an execution. */
function goOnLine(name: string, resumption: Exclude<Resumption, { kind: "execution-started" }>): string {
  switch (resumption.kind) {
    case "tailer-running":
      return `Task ${name} is in incremental migration already (tailer ${resumption.tailer.owner}); \`dts status ${name}\` shows it.`;
    case "execution-running":
      return `Task ${name} is running already (execution ${resumption.executions.join(", ")}); \`dts status ${name}\` shows it.`;
    default: {
      const { launched } = resumption;
      return launched.alreadyRunning
        ? `Task ${name} is in incremental migration; its tailer (${launched.id}) is reconnecting. \`dts status ${name}\` shows it.`
        : `Task ${name} goes on with incremental migration from its checkpoint: tailer ${launched.id} started (no schema or full load again).`;
    }
  }
}

/** What an execution of an existing task keeps from before (core/task/lifecycle.ts). */
function continueLine(previous: TaskRecord): string {
  const kept: string[] = [];
  if (previous.position) kept.push(`binlog position ${previous.position.file}:${previous.position.position}`);
  if (previous.schema?.completedAt) kept.push("the schema");
  if (previous.fullLoad?.completedAt) kept.push("the finished full load");
  else if (previous.fullLoad) kept.push("the chunks already copied");
  const failed =
    previous.phase === "failed" && previous.lastError
      ? ` (it had failed: ${previous.lastError.error}: ${previous.lastError.cause})`
      : "";
  return kept.length > 0
    ? `Task ${previous.name} goes on from ${previous.phase}${failed}, keeping ${kept.join(", ")}.`
    : `Task ${previous.name} runs again from ${previous.phase}${failed}.`;
}

export interface RunOptions {
  json?: boolean;
  until?: string;
}

/** `dts run <spec.json>`: a new task runs; an existing one goes on from where it is (never loaded again). */
export async function runCommand(file: string, options: RunOptions, config: DtsConfig): Promise<number> {
  checkUntil(options);
  const spec = await loadTaskSpec(file);
  return goOn(spec, options, config, (tasks) => tasks.resume(spec));
}

/** `dts resume <task|spec.json>`: goes on with an existing task (with a new spec, if a file is given). */
export async function resumeCommand(target: string, options: RunOptions, config: DtsConfig): Promise<number> {
  checkUntil(options);
  const file = existsSync(target) && statSync(target).isFile();
  const spec = file ? await loadTaskSpec(target) : undefined;
  const name = spec?.name ?? target;
  const { tasks } = cliTasks(config);
  const task = await tasks.find(name);
  if (!task)
    throw new DtsError(
      `no task named ${name}${file ? "" : " (and no spec file of that name)"}: \`dts run <spec>\` creates it`,
    );
  const chosen = spec ?? task.spec;
  return goOn(chosen, options, config, (service) => service.resume(chosen));
}

/** `dts restart <spec.json> --from-scratch`: schema and full load again, after a confirmation. */
export async function restartCommand(
  file: string,
  options: RunOptions & { fromScratch?: boolean; yes?: boolean },
  config: DtsConfig,
): Promise<number> {
  checkUntil(options);
  const spec = await loadTaskSpec(file);
  if (!options.fromScratch)
    throw new SpecError(
      `dts restart redoes the schema and the full load of ${spec.name}: say so with --from-scratch (\`dts resume ${spec.name}\` goes on from where it is)`,
    );
  const what =
    spec.destination.type === "mysql"
      ? "the destination tables it created are recreated and loaded again"
      : `every row is published to ${spec.destination.topic} again`;
  await confirm(
    `Restart task ${spec.name} from scratch? Its position and checkpoint are forgotten and ${what}.`,
    options.yes,
  );
  return goOn(spec, options, config, async (tasks) => ({
    kind: "execution-started",
    executionId: await tasks.restart(spec),
    previous: undefined,
  }));
}

function checkUntil(options: RunOptions): void {
  if (options.until !== undefined && options.until !== "caught-up") {
    throw new SpecError(`--until takes "caught-up", not "${options.until}"`);
  }
}

/**
 * Runs what `start` decides for the task and reports it: an execution runs locally, in this
 * process, and this shows which state it is in; the handlers' log lines go to .stack/dts.log.
 */
async function goOn(
  spec: TaskSpec,
  options: RunOptions,
  config: DtsConfig,
  start: (tasks: TaskService) => Promise<Resumption>,
): Promise<number> {
  const logger = createLogger(config.log, { destination: fileDestination(localLogFile()) });
  useProcessLogger(logger);
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

  const resumption = await start(tasks);
  if (resumption.kind !== "execution-started") {
    log(goOnLine(spec.name, resumption));
    if (options.until === "caught-up") await waitUntilCaughtUp(spec, log);
    return EXIT.ok;
  }
  const { previous } = resumption;
  if (previous) log(continueLine(previous));
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
    else log(`The tailer keeps the destination in sync; pause it with \`dts pause ${spec.name}\`.`);
  }
  return execution.status === "SUCCEEDED" ? EXIT.ok : EXIT.failed;
}
