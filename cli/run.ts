import { tailerLauncher } from "#core/adapters/tailer-launcher.ts";
import type { DtsConfig } from "#core/config.ts";
import { SpecError } from "#core/errors.ts";
import { createLogger, fileDestination, useProcessLogger } from "#core/logger.ts";
import { precheckLine, renderPrecheckReport } from "#core/precheck/render.ts";
import { loadTaskSpec } from "#core/spec/load.ts";
import { defaultCheckpointStore, defaultChunkLedger, defaultTaskStore } from "#core/store/index.ts";
import { localLogFile } from "../local/environment.ts";
import { runLocally, type StateEvent } from "../local/runner.ts";
import { waitUntilCaughtUp } from "./caught-up.ts";
import { EXIT } from "./errors.ts";
import { FullLoadProgress } from "./progress.ts";

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

/**
 * `dts run <spec.json>`: runs the task's state machine locally and shows which state it is in.
 * The handlers run in this process; their log lines go to .stack/dts.log, not to the terminal.
 */
export async function runCommand(
  file: string,
  options: { json?: boolean; until?: string },
  config: DtsConfig,
): Promise<number> {
  if (options.until !== undefined && options.until !== "caught-up") {
    throw new SpecError(`--until takes "caught-up", not "${options.until}"`);
  }
  useProcessLogger(createLogger(config.log, { destination: fileDestination(localLogFile()) }));
  const spec = await loadTaskSpec(file);
  const log = (line: string) => {
    if (!options.json) process.stdout.write(`${line}\n`);
  };
  // Before the first run the tables may not exist yet: no holder then.
  const holder = await defaultCheckpointStore()
    .read(spec.name)
    .catch(() => undefined);
  if (holder?.owner && (holder.expiresAt ?? 0) > Date.now()) {
    log(
      `Task ${spec.name} is in incremental migration already (tailer ${holder.owner}); \`dts status ${spec.name}\` shows it.`,
    );
    if (options.until === "caught-up") await waitUntilCaughtUp(spec, log);
    return EXIT.ok;
  }
  const previous = await defaultTaskStore()
    .get(spec.name)
    .catch(() => undefined);
  if (previous?.phase === "incremental") {
    // No tailer holds the lease: it is reconnecting, or it died. Either way the task goes on from
    // its checkpoint; running the full load again would resend (or rewrite) everything.
    await defaultCheckpointStore().clearStop(spec.name);
    const launched = await tailerLauncher(config.launcher).launch(spec.name);
    log(
      launched.alreadyRunning
        ? `Task ${spec.name} is in incremental migration; its tailer (${launched.id}) is reconnecting. \`dts status ${spec.name}\` shows it.`
        : `Task ${spec.name} was in incremental migration but its tailer had stopped: restarted it (${launched.id}) from its checkpoint.`,
    );
    if (options.until === "caught-up") await waitUntilCaughtUp(spec, log);
    return EXIT.ok;
  }
  if (previous?.phase === "failed" && previous.lastError) {
    log(
      `Task ${spec.name} had failed (${previous.lastError.error}: ${previous.lastError.cause}); running it again from the start.`,
    );
  }
  const startedAt = Date.now();
  log(`Running task ${spec.name} on the local stack`);
  const progress = new FullLoadProgress(() => defaultChunkLedger().summary(spec.name));
  const execution = await runLocally(spec, (event) => {
    if (event.kind === "entered" && event.state === "CopyChunk") return;
    if (event.kind === "entered" && event.state === "CopyChunks" && !options.json) progress.start();
    if (event.kind === "entered" && event.state === "FullLoadDone?") void progress.stop();
    const line = describe(event, startedAt);
    if (line) log(line);
  });
  await progress.stop();
  const task = await defaultTaskStore().get(spec.name);
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
