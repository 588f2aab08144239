import { stepFunctionsStarter } from "#core/api/step-functions.ts";
import { TaskApi } from "#core/api/tasks.ts";
import { livePrecheckPorts } from "#core/precheck/adapters.ts";
import { runPrecheck } from "#core/precheck/run.ts";
import { defaultCheckpointStore, defaultChunkLedger, defaultTaskStore } from "#core/store/index.ts";
import { apiHandler } from "./app.ts";

let api: TaskApi | undefined;

/** The task operations as deployed: Step Functions runs executions; passwords only from secrets. */
function deployedApi(env: NodeJS.ProcessEnv = process.env): TaskApi {
  api ??= new TaskApi({
    store: defaultTaskStore(),
    ledger: defaultChunkLedger(),
    checkpoints: defaultCheckpointStore(),
    executions: stepFunctionsStarter(env.DTS_STATE_MACHINE_ARN),
    precheck: (spec, options) => runPrecheck(spec, livePrecheckPorts, options),
    secrets: {
      requireSecretArns: env.DTS_REQUIRE_SECRET_ARNS !== "false",
      namePrefix: env.DTS_SECRET_PREFIX,
    },
  });
  return api;
}

/** Lambda `api`: the REST API (API Gateway, IAM authorization, Lambda proxy integration). */
export const handler = apiHandler(deployedApi);
