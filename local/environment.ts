import { join } from "node:path";
import { type DtsConfig, processConfig } from "#core/config.ts";
import { REPO_ROOT } from "#infra/paths.ts";

/** Endpoints of the local stack (scripts/stack), as environment variables the handlers read. */
export function localEnvironment(): Record<string, string> {
  return {
    DTS_TAILER_LAUNCH: "local",
    DTS_REPO: REPO_ROOT,
    DYNAMODB_ENDPOINT: "http://127.0.0.1:38000",
    AWS_REGION: "us-east-1",
    DTS_TASKS_TABLE: "dts-tasks",
    DTS_CHUNKS_TABLE: "dts-chunks",
    DTS_CHECKPOINTS_TABLE: "dts-checkpoints",
  };
}

/**
 * The config of a process that drives the local stack: the local stack's variables are put into
 * this process's environment where it sets none (the handlers run in this process, and a tailer
 * it launches inherits them), then the environment is parsed (once).
 */
export function localConfig(): DtsConfig {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  return processConfig();
}

/** Where the handlers a local run hosts write their log lines (stdout and stderr are the CLI's). */
export function localLogFile(): string {
  return join(REPO_ROOT, ".stack", "dts.log");
}
