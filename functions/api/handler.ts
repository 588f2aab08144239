import { tailerLauncher } from "#core/adapters/tailer-launcher.ts";
import { stepFunctionsStarter } from "#core/api/step-functions.ts";
import { processStores } from "#core/api/task-step.ts";
import { TaskApi } from "#core/api/tasks.ts";
import { processConfig } from "#core/config.ts";
import { processLogger } from "#core/logger.ts";
import { livePrecheckPorts } from "#core/precheck/live-ports.ts";
import { runPrecheck } from "#core/precheck/run.ts";
import { apiHandler } from "./app.ts";
import type { ApiRequest, ApiResponse } from "./routes.ts";

let api: TaskApi | undefined;

/** The task operations as deployed: Step Functions runs executions, ECS the tailers; passwords only from secrets. */
function deployedApi(): TaskApi {
  if (!api) {
    const config = processConfig();
    api = new TaskApi({
      ...processStores(),
      executions: stepFunctionsStarter(config.api.stateMachineArn),
      // A resumed task past its full load starts only its tailer: ECS RunTask, as StartTailer does.
      launcher: tailerLauncher(config.launcher),
      precheck: (spec, options) => runPrecheck(spec, livePrecheckPorts, options),
      secrets: config.secrets,
    });
  }
  return api;
}

let handle: ((request: ApiRequest) => Promise<ApiResponse>) | undefined;

/**
 * Lambda `api`: the REST API (API Gateway, IAM authorization, Lambda proxy integration). The config
 * is read on the first request; a bad one answers every request with the ConfigError naming the
 * variable and the fix.
 */
export function handler(request: ApiRequest): Promise<ApiResponse> {
  handle ??= apiHandler(deployedApi, processLogger());
  return handle(request);
}
