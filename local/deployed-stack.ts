import {
  CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
} from "@aws-sdk/client-cloudformation";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { RunTaskCommandInput, RunTaskCommandOutput } from "@aws-sdk/client-ecs";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ecsLauncher } from "#core/adapters/tailer-launcher.ts";
import type { ExecutionStarter } from "#core/api/ports.ts";
import { stepFunctionsStarter } from "#core/api/step-functions.ts";
import type { TaskStores } from "#core/api/task-step.ts";
import { type DtsConfig, type Environment, loadConfig, type SecretPolicy } from "#core/config.ts";
import { EnvironmentError, SpecError } from "#core/errors.ts";
import { DynamoCheckpointStore } from "#core/store/checkpoint-store.ts";
import { DynamoChunkLedger } from "#core/store/dynamo-chunk-ledger.ts";
import { DynamoTaskStore } from "#core/store/dynamo-task-store.ts";
import type { TailerLauncher } from "#core/task/tailer-start.ts";
import { STACK_OUTPUTS, type StackOutputName } from "#infra/outputs.ts";

/** The part of CloudFormationClient `dts serve --stack` uses; tests pass a fake. */
export interface StackClient {
  send(command: DescribeStacksCommand): Promise<DescribeStacksCommandOutput>;
  config: { region: () => Promise<string> };
}

/** A client for `region`, or for the default provider chain's region when none is given. */
export type StackClientFactory = (region: string | undefined) => StackClient;

const awsStackClient: StackClientFactory = (region) => new CloudFormationClient(region ? { region } : {});

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const DEPLOY = "deploy the current version (npx cdk deploy, docs/deploy.md)";

/** What was read from the deployed stack. */
export interface DeployedStack {
  stack: string;
  region: string;
  /** Config variables (core/config.ts) from the stack's outputs. */
  variables: Record<string, string>;
}

/** The option mistakes, before any AWS call: exit 2 with one line. */
export function checkStackOptions(options: { stack: string; region?: string | undefined }): void {
  if (!STACK_NAME.test(options.stack))
    throw new SpecError(
      `--stack takes a CloudFormation stack name (a letter, then up to 127 letters, digits or "-"), such as Dts, not "${options.stack}"`,
    );
  if (options.region !== undefined && !REGION.test(options.region))
    throw new SpecError(`--region takes an AWS region such as eu-west-1, not "${options.region}"`);
}

/** An AWS SDK failure in the operator's words: what is missing and what to do. */
function explain(error: unknown, stack: string, region: string): Error {
  const e = error as { name?: string; message?: string; code?: string };
  const name = e.name ?? "";
  const message = e.message ?? String(error);
  if (name === "CredentialsProviderError" || /credentials/i.test(message) || name === "TokenProviderError")
    return new EnvironmentError(
      "no AWS credentials: dts serve --stack uses yours (the default provider chain: AWS_PROFILE, `aws sso login`, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ...)",
      { cause: error },
    );
  if (/^(ExpiredToken|ExpiredTokenException|InvalidClientTokenId|UnrecognizedClientException)$/.test(name))
    return new EnvironmentError(`your AWS credentials were refused (${name}): sign in again`, {
      cause: error,
    });
  if (/AccessDenied/.test(name))
    return new EnvironmentError(
      `your AWS credentials may not describe stack ${stack}: allow cloudformation:DescribeStacks on it (docs/deploy.md lists what dts serve --stack needs)`,
      { cause: error },
    );
  if (name === "ValidationError" && /does not exist/.test(message))
    return new EnvironmentError(
      `there is no stack ${stack} in ${region}: check its name and region (--region), or deploy it (docs/deploy.md)`,
      { cause: error },
    );
  if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN/.test(`${e.code ?? ""} ${message}`))
    return new EnvironmentError(`cannot reach CloudFormation in ${region}: check the network`, {
      cause: error,
    });
  return new EnvironmentError(`could not read stack ${stack} in ${region}: ${message}`, { cause: error });
}

/**
 * Reads the stack's outputs and maps them to the config variables its API function is given
 * (infra/outputs.ts). A stack without one of them was deployed by an older version.
 */
export async function readDeployedStack(
  options: { stack: string; region?: string | undefined },
  clientFor: StackClientFactory = awsStackClient,
): Promise<DeployedStack> {
  checkStackOptions(options);
  const { stack } = options;
  const client = clientFor(options.region);
  let region: string;
  try {
    region = options.region ?? (await client.config.region());
  } catch (error) {
    throw new SpecError(
      "no AWS region: pass --region (such as --region eu-west-1), or set AWS_REGION or your profile's region",
      { cause: error },
    );
  }
  let described: DescribeStacksCommandOutput;
  try {
    described = await client.send(new DescribeStacksCommand({ StackName: stack }));
  } catch (error) {
    throw explain(error, stack, region);
  }
  const found = described.Stacks?.[0];
  if (!found) throw explain({ name: "ValidationError", message: "does not exist" }, stack, region);
  const outputs = new Map((found.Outputs ?? []).map((o) => [o.OutputKey ?? "", o.OutputValue ?? ""]));
  const names = Object.keys(STACK_OUTPUTS) as StackOutputName[];
  const missing = names.filter((name) => !outputs.get(name));
  if (missing.length > 0) {
    const status = found.StackStatus ? ` (status ${found.StackStatus})` : "";
    throw new EnvironmentError(
      `stack ${stack} in ${region}${status} lacks the output${missing.length > 1 ? "s" : ""} ${missing.join(", ")} that dts serve --stack reads: ${DEPLOY}`,
    );
  }
  const variables: Record<string, string> = Object.fromEntries(
    names.map((name) => [STACK_OUTPUTS[name], outputs.get(name) ?? ""]),
  );
  return { stack, region, variables };
}

/**
 * The config the deployed API function runs with, on this machine: the stack's tables in its
 * region (no DynamoDB Local endpoint), its state machine, tailers on its ECS cluster, and its
 * secret policy (passwords only from its secrets). The rest of the environment (log level,
 * token) is the operator's.
 */
export function deployedConfig(deployed: DeployedStack, environment: Environment = process.env): DtsConfig {
  return loadConfig({
    ...environment,
    ...deployed.variables,
    AWS_REGION: deployed.region,
    DYNAMODB_ENDPOINT: undefined,
    DTS_TAILER_LAUNCH: "ecs",
    DTS_REQUIRE_SECRET_ARNS: "true",
  });
}

/** What `dts serve` serves the task API from: the local stack, or a deployed stack. */
export interface ServeBackend {
  /** How the startup message names it: "the local stack", "stack Dts in eu-west-1". */
  label: string;
  stores: TaskStores;
  executions: ExecutionStarter;
  launcher: TailerLauncher;
  secrets: SecretPolicy;
  /** Resolves once the executions this process runs have ended (none when Step Functions runs them). */
  idle(): Promise<void>;
}

/** The SDK clients a deployed backend uses, each in the stack's region; tests inspect them. */
export interface DeployedClients {
  dynamodb: DynamoDBClient;
  sfn: SFNClient;
  runTask: (input: RunTaskCommandInput) => Promise<RunTaskCommandOutput>;
}

export function regionClients(region: string): DeployedClients {
  return {
    dynamodb: new DynamoDBClient({ region }),
    sfn: new SFNClient({ region }),
    async runTask(input) {
      const { ECSClient, RunTaskCommand } = await import("@aws-sdk/client-ecs");
      return new ECSClient({ region }).send(new RunTaskCommand(input));
    },
  };
}

/** The deployed API's adapters (functions/api/handler.ts) with the operator's credentials. */
export function deployedBackend(
  deployed: DeployedStack,
  config: DtsConfig,
  clients: DeployedClients = regionClients(deployed.region),
): ServeBackend {
  // The same document client options as core/store/dynamodb.ts, in the stack's region.
  const documents = DynamoDBDocumentClient.from(clients.dynamodb, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
  const { tables } = config.store;
  if (config.launcher.mode !== "ecs") throw new EnvironmentError("a deployed stack launches tailers on ECS");
  return {
    label: `stack ${deployed.stack} in ${deployed.region}`,
    stores: {
      store: new DynamoTaskStore(documents, tables.tasks),
      ledger: new DynamoChunkLedger(documents, tables.chunks, Date.now, {
        heartbeatTimeoutMs: config.fullLoad.chunkHeartbeatTimeoutMs,
      }),
      checkpoints: new DynamoCheckpointStore(documents, tables.checkpoints),
    },
    executions: stepFunctionsStarter(config.api.stateMachineArn, clients.sfn),
    launcher: ecsLauncher(config.launcher, clients.runTask),
    secrets: config.secrets,
    idle: async () => {},
  };
}
