import type { DescribeStacksCommand, DescribeStacksCommandOutput } from "@aws-sdk/client-cloudformation";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { RunTaskCommandInput } from "@aws-sdk/client-ecs";
import { SFNClient } from "@aws-sdk/client-sfn";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "#core/config.ts";
import { DtsError, SpecError } from "#core/errors.ts";
import { STACK_OUTPUTS } from "#infra/outputs.ts";
import { serveCommand } from "../../cli/serve.ts";
import {
  type DeployedClients,
  deployedBackend,
  deployedConfig,
  readDeployedStack,
  regionClients,
  type StackClient,
} from "../../local/deployed-stack.ts";
import { type LocalApiServer, startApiServer } from "../../local/server.ts";
import { spec } from "../support/spec-fixtures.ts";

const ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:Dts-Tasks";
const OUTPUTS: Record<string, string> = {
  TasksTable: "Dts-TablesTasks-1A",
  ChunksTable: "Dts-TablesChunks-2B",
  CheckpointsTable: "Dts-TablesCheckpoints-3C",
  StateMachineArn: ARN,
  TailerCluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/Dts-Tailer",
  TailerTaskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/DtsTailer:7",
  TailerSubnets: "subnet-0a1b,subnet-2c3d",
  TailerSecurityGroups: "sg-0e5f",
  SecretNamePrefix: "dts/",
  // Outputs the CLI does not read are ignored.
  ApiUrl: "https://abc.execute-api.eu-west-1.amazonaws.com/prod/",
};

/** A CloudFormation client fake: answers DescribeStacks with `outputs`, or fails with `error`. */
function fakeCloudFormation(
  options: { outputs?: Record<string, string>; error?: Error; profileRegion?: string } = {},
) {
  const calls: { region: string | undefined; stacks: (string | undefined)[] } = { region: "", stacks: [] };
  const factory = (region: string | undefined): StackClient => {
    calls.region = region;
    return {
      config: {
        region: async () => {
          if (options.profileRegion) return options.profileRegion;
          throw new Error("Region is missing");
        },
      },
      async send(command: DescribeStacksCommand): Promise<DescribeStacksCommandOutput> {
        calls.stacks.push(command.input.StackName);
        if (options.error) throw options.error;
        const outputs = options.outputs ?? OUTPUTS;
        return {
          $metadata: {},
          Stacks: [
            {
              StackName: command.input.StackName,
              StackStatus: "UPDATE_COMPLETE",
              CreationTime: new Date(0),
              Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({
                OutputKey,
                OutputValue,
              })),
            },
          ],
        };
      },
    };
  };
  return { factory, calls };
}

const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

describe("dts serve --stack: the stack's outputs", () => {
  it("become the config variables the deployed API function runs with, DynamoDB Local left out", async () => {
    const { factory, calls } = fakeCloudFormation();
    const deployed = await readDeployedStack({ stack: "Dts", region: "eu-west-1" }, factory);
    expect(calls).toEqual({ region: "eu-west-1", stacks: ["Dts"] });
    expect(deployed.variables).toEqual({
      DTS_TASKS_TABLE: "Dts-TablesTasks-1A",
      DTS_CHUNKS_TABLE: "Dts-TablesChunks-2B",
      DTS_CHECKPOINTS_TABLE: "Dts-TablesCheckpoints-3C",
      DTS_STATE_MACHINE_ARN: ARN,
      DTS_TAILER_CLUSTER: OUTPUTS.TailerCluster,
      DTS_TAILER_TASK_DEFINITION: OUTPUTS.TailerTaskDefinition,
      DTS_TAILER_SUBNETS: "subnet-0a1b,subnet-2c3d",
      DTS_TAILER_SECURITY_GROUPS: "sg-0e5f",
      DTS_SECRET_PREFIX: "dts/",
    });
    // The operator's shell points at the local stack: the deployed config ignores that.
    const config = deployedConfig(deployed, {
      DYNAMODB_ENDPOINT: "http://127.0.0.1:38000",
      AWS_REGION: "us-east-1",
      DTS_TAILER_LAUNCH: "local",
      DTS_REPO: "/work",
      DTS_LOG_LEVEL: "warn",
    });
    expect(config.store).toEqual({
      tables: {
        tasks: "Dts-TablesTasks-1A",
        chunks: "Dts-TablesChunks-2B",
        checkpoints: "Dts-TablesCheckpoints-3C",
      },
      dynamodbEndpoint: undefined,
      region: "eu-west-1",
    });
    expect(config.launcher).toEqual({
      mode: "ecs",
      cluster: OUTPUTS.TailerCluster,
      taskDefinition: OUTPUTS.TailerTaskDefinition,
      subnets: ["subnet-0a1b", "subnet-2c3d"],
      securityGroups: ["sg-0e5f"],
    });
    expect(config.api.stateMachineArn).toBe(ARN);
    // The stack's secret policy: passwords only from its secrets, as the deployed API.
    expect(config.secrets).toEqual({ requireSecretArns: true, namePrefix: "dts/" });
    expect(config.log.level).toBe("warn");
  });

  it("lists every name the stack outputs for it (infra/outputs.ts)", () => {
    expect(Object.keys(STACK_OUTPUTS).sort()).toEqual(
      Object.keys(OUTPUTS)
        .filter((k) => k !== "ApiUrl")
        .sort(),
    );
  });

  it("are read in --region, else in the region of the operator's environment or profile", async () => {
    const { factory, calls } = fakeCloudFormation({ profileRegion: "ap-southeast-2" });
    const deployed = await readDeployedStack({ stack: "Dts" }, factory);
    expect(calls.region).toBeUndefined();
    expect(deployed.region).toBe("ap-southeast-2");
    expect(deployedConfig(deployed, {}).store.region).toBe("ap-southeast-2");
    const withOption = await readDeployedStack({ stack: "Dts", region: "eu-west-1" }, factory);
    expect(calls.region).toBe("eu-west-1");
    expect(withOption.region).toBe("eu-west-1");
  });

  it("without any region, asks for --region", async () => {
    const { factory } = fakeCloudFormation();
    await expect(readDeployedStack({ stack: "Dts" }, factory)).rejects.toThrow(
      new SpecError(
        "no AWS region: pass --region (such as --region eu-west-1), or set AWS_REGION or your profile's region",
      ),
    );
  });

  it("refuse a stack lacking an output, naming each missing one and the fix", async () => {
    const { TasksTable: _, TailerSubnets: __, ...older } = OUTPUTS;
    const { factory } = fakeCloudFormation({ outputs: older });
    const error = await readDeployedStack({ stack: "Dts", region: "eu-west-1" }, factory).catch((e) => e);
    expect(error).toBeInstanceOf(DtsError);
    expect(error.message).toBe(
      "stack Dts in eu-west-1 (status UPDATE_COMPLETE) lacks the outputs TasksTable, TailerSubnets that dts serve --stack reads: deploy the current version (npx cdk deploy, docs/deploy.md)",
    );
  });

  it("refuse clearly when the stack does not exist, or credentials are missing or refused", async () => {
    const cases: [Error, string][] = [
      [
        awsError("ValidationError", "Stack with id Nope does not exist"),
        "there is no stack Dts in eu-west-1: check its name and region (--region), or deploy it (docs/deploy.md)",
      ],
      [
        awsError("CredentialsProviderError", "Could not load credentials from any providers"),
        "no AWS credentials: dts serve --stack uses yours (the default provider chain: AWS_PROFILE, `aws sso login`, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ...)",
      ],
      [
        awsError("ExpiredTokenException", "The security token included in the request is expired"),
        "your AWS credentials were refused (ExpiredTokenException): sign in again",
      ],
      [
        awsError("AccessDenied", "User is not authorized to perform: cloudformation:DescribeStacks"),
        "your AWS credentials may not describe stack Dts: allow cloudformation:DescribeStacks on it (docs/deploy.md lists what dts serve --stack needs)",
      ],
    ];
    for (const [thrown, message] of cases) {
      const { factory } = fakeCloudFormation({ error: thrown });
      const error = await readDeployedStack({ stack: "Dts", region: "eu-west-1" }, factory).catch((e) => e);
      expect(error).toBeInstanceOf(DtsError);
      expect(error.message).toBe(message);
    }
  });

  it("refuse a bad --stack or --region before any AWS call", async () => {
    const { factory, calls } = fakeCloudFormation();
    await expect(readDeployedStack({ stack: "my stack" }, factory)).rejects.toThrow(
      /^--stack takes a CloudFormation stack name/,
    );
    await expect(readDeployedStack({ stack: "Dts", region: "Ireland" }, factory)).rejects.toThrow(
      '--region takes an AWS region such as eu-west-1, not "Ireland"',
    );
    expect(calls.stacks).toEqual([]);
    await expect(serveCommand({ region: "eu-west-1" }, loadConfig({}))).rejects.toThrow(
      "--region names the region of a deployed stack: pass --stack <name> with it",
    );
  });
});

/** Real SDK clients in the stack's region that record each request instead of sending it (no AWS call). */
function recordingClients() {
  const requests: { host: string; input: Record<string, unknown> }[] = [];
  const launches: RunTaskCommandInput[] = [];
  const record = (args: { request: unknown; input: unknown }): never => {
    const request = args.request as { hostname: string };
    requests.push({ host: request.hostname, input: args.input as Record<string, unknown> });
    throw Object.assign(new Error("recorded, not sent"), { name: "Recorded" });
  };
  const at = { step: "build", name: "recordRequest" } as const;
  const credentials = { accessKeyId: "test", secretAccessKey: "test" };
  const clients: DeployedClients = {
    dynamodb: new DynamoDBClient({ region: "eu-west-1", credentials }),
    sfn: new SFNClient({ region: "eu-west-1", credentials }),
    async runTask(input) {
      launches.push(input);
      return {
        $metadata: {},
        tasks: [{ taskArn: "arn:aws:ecs:eu-west-1:123456789012:task/Dts-Tailer/abc" }],
      };
    },
  };
  // After the endpoint is resolved and the request built, before it is signed or sent.
  clients.dynamodb.middlewareStack.add(() => async (args) => record(args), at);
  clients.sfn.middlewareStack.add(() => async (args) => record(args), at);
  return { clients, requests, launches };
}

async function deployed() {
  const { factory } = fakeCloudFormation();
  const stack = await readDeployedStack({ stack: "Dts", region: "eu-west-1" }, factory);
  const recording = recordingClients();
  return { ...recording, backend: deployedBackend(stack, deployedConfig(stack, {}), recording.clients) };
}

describe("dts serve --stack: the task service", () => {
  let server: LocalApiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("uses the stack's tables, state machine and tailer cluster in its region", async () => {
    const { backend, requests, launches } = await deployed();
    expect(backend.label).toBe("stack Dts in eu-west-1");
    await expect(backend.stores.store.get("orders")).rejects.toThrow("recorded, not sent");
    await expect(backend.stores.ledger.summary("orders")).rejects.toThrow("recorded, not sent");
    await expect(backend.stores.checkpoints.read("orders")).rejects.toThrow("recorded, not sent");
    await expect(backend.executions.start(spec())).rejects.toThrow("recorded, not sent");
    expect(requests.map((r) => [r.host, r.input.TableName ?? r.input.stateMachineArn])).toEqual([
      ["dynamodb.eu-west-1.amazonaws.com", "Dts-TablesTasks-1A"],
      ["dynamodb.eu-west-1.amazonaws.com", "Dts-TablesChunks-2B"],
      ["dynamodb.eu-west-1.amazonaws.com", "Dts-TablesCheckpoints-3C"],
      ["states.eu-west-1.amazonaws.com", ARN],
    ]);
    await backend.launcher.launch("orders", "resume-1");
    expect(launches).toMatchObject([
      {
        cluster: OUTPUTS.TailerCluster,
        taskDefinition: OUTPUTS.TailerTaskDefinition,
        launchType: "FARGATE",
        networkConfiguration: {
          awsvpcConfiguration: { subnets: ["subnet-0a1b", "subnet-2c3d"], securityGroups: ["sg-0e5f"] },
        },
      },
    ]);
    expect(backend.secrets.requireSecretArns).toBe(true);
  });

  it("makes its SDK clients in the stack's region, with no endpoint of its own", async () => {
    const clients = regionClients("eu-west-1");
    for (const client of [clients.dynamodb, clients.sfn]) {
      expect(await client.config.region()).toBe("eu-west-1");
      expect(client.config.endpoint).toBeUndefined();
    }
  });

  it("is what the server answers from: a request reads the stack's table, never DynamoDB Local", async () => {
    const { backend, requests } = await deployed();
    server = await startApiServer({ port: 0, backend, historyIntervalMs: 3_600_000 });
    expect(server.label).toBe("stack Dts in eu-west-1");
    const response = await fetch(`${server.url}/tasks/orders`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    expect(response.status).toBeGreaterThanOrEqual(500);
    const reads = requests.filter((r) => r.input.TableName === "Dts-TablesTasks-1A");
    expect(reads.length).toBeGreaterThan(0);
    expect(new Set(requests.map((r) => r.host))).toEqual(new Set(["dynamodb.eu-west-1.amazonaws.com"]));
  });
});
