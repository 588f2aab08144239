import { Command, CommanderError } from "commander";
import type { DtsConfig } from "#core/config.ts";
import { specJsonSchema } from "#core/spec/load.ts";
import { localConfig } from "../local/environment.ts";
import { EXIT, reportError } from "./errors.ts";

const program = new Command("dts")
  .description("Serverless Data Transmission Service: migrate MySQL-compatible databases into MySQL or Kafka")
  .option("--verbose", "print details and stack traces of errors")
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

// Commands load their modules when they run: `dts status` need not load the state machine runner.
// Each reads the config first: the local stack unless the environment points elsewhere, and a bad
// variable is one `dts: invalid environment: ...` line before anything starts.
let exitCode: number = EXIT.ok;
const run = (action: (config: DtsConfig) => Promise<number>) => async () => {
  exitCode = await action(localConfig());
};

program
  .command("precheck")
  .description("check the source, destination and spec; exit 0 when nothing failed, 1 when a check failed")
  .argument("<spec>", "task spec JSON file")
  .option("--json", "print the report as JSON")
  .action((spec: string, options: { json?: boolean }) =>
    run(async () => (await import("./precheck.ts")).precheckCommand(spec, options))(),
  );

program
  .command("plan")
  .description(
    "show what a task would do: names, sizes, chunks, columns, DDL, full-load ETA (writes nothing)",
  )
  .argument("<spec>", "task spec JSON file")
  .option("--json", "print the plan as JSON")
  .action((spec: string, options: { json?: boolean }) =>
    run(async () => (await import("./plan.ts")).planCommand(spec, options))(),
  );

program
  .command("run")
  .description("run a new task on the local stack; an existing task goes on from where it is (as resume)")
  .argument("<spec>", "task spec JSON file")
  .option("--json", "print the execution result as JSON")
  .option(
    "--until <condition>",
    "with incremental migration, wait until caught-up (every change committed before now is applied)",
  )
  .action((spec: string, options: { json?: boolean; until?: string }) =>
    run(async (config) => (await import("./run.ts")).runCommand(spec, options, config))(),
  );

program
  .command("pause")
  .alias("stop")
  .description("pause a task: its steps stop, its tailer applies and checkpoints what it read, then stops")
  .argument("<task>", "task name")
  .option("--wait-seconds <n>", "how long to wait for the tailer to stop", "60")
  .action((task: string, options: { waitSeconds?: string }) =>
    run(async (config) => (await import("./stop.ts")).pauseCommand(task, options, config))(),
  );

program
  .command("resume")
  .description("go on with a paused or failed task from its checkpoint (no full load again)")
  .argument("<task>", "task name, or a spec file with new settings for it (same selection)")
  .option("--json", "print the execution result as JSON")
  .option("--until <condition>", "wait until caught-up, as with run")
  .action((task: string, options: { json?: boolean; until?: string }) =>
    run(async (config) => (await import("./run.ts")).resumeCommand(task, options, config))(),
  );

program
  .command("restart")
  .description("run a task again from the start: schema and full load (the only command that does)")
  .argument("<spec>", "task spec JSON file")
  .option("--from-scratch", "required: the position, checkpoint and chunk ledger are forgotten")
  .option("--yes", "do not ask for confirmation (scripts)")
  .option("--json", "print the execution result as JSON")
  .option("--until <condition>", "wait until caught-up, as with run")
  .action((spec: string, options: { fromScratch?: boolean; yes?: boolean; json?: boolean; until?: string }) =>
    run(async (config) => (await import("./run.ts")).restartCommand(spec, options, config))(),
  );

program
  .command("list")
  .description("list every task with its phase, position, latency and last error")
  .option("--json", "print the tasks as JSON")
  .action((options: { json?: boolean }) =>
    run(async (config) => (await import("./list.ts")).listCommand(options, config))(),
  );

program
  .command("status")
  .description("show a task's phase, precheck report and last error")
  .argument("<task>", "task name")
  .option("--json", "print the task as JSON")
  .option("--watch", "redraw it until Ctrl-C or until it ends: progress bar, latency sparkline")
  .option("--interval <seconds>", "with --watch, seconds between two refreshes (default 2)")
  .action((task: string, options: { json?: boolean; watch?: boolean; interval?: string }) =>
    run(async (config) => (await import("./status.ts")).statusCommand(task, options, config))(),
  );

program
  .command("delete")
  .description("remove a paused task's state (record, checkpoint, chunk ledger); destination data stays")
  .argument("<task>", "task name")
  .option("--yes", "do not ask for confirmation (scripts)")
  .action((task: string, options: { yes?: boolean }) =>
    run(async (config) => (await import("./delete.ts")).deleteCommand(task, options, config))(),
  );

program
  .command("verify")
  .description("compare source and destination chunk by chunk; exit 0 when equal, 1 when not")
  .argument("<spec>", "task spec JSON file")
  .option("--json", "print the report as JSON")
  .action((spec: string, options: { json?: boolean }) =>
    run(async () => (await import("./verify.ts")).verifyCommand(spec, options))(),
  );

(await import("./serve.ts")).registerServe(program, run);
program
  .command("schema")
  .description("print the JSON Schema of the task spec (the API's request body)")
  .action(() => {
    process.stdout.write(`${JSON.stringify(specJsonSchema(), null, 2)}\n`);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.invalid;
  } else {
    exitCode = reportError(error, program.opts<{ verbose?: boolean }>().verbose === true);
  }
}
// Leave through exitCode so pending output is flushed; open sockets must not keep us alive.
process.exitCode = exitCode;
setTimeout(() => process.exit(exitCode), 50).unref();
