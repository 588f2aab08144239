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
