import { describe, expect, it } from "vitest";
import { ConfigError, callConfig, type Environment, loadConfig, VARIABLES } from "#core/config.ts";
import { DtsError } from "#core/errors.ts";
import { isSecretKey } from "#core/redact.ts";

/** The ConfigError a bad environment gives. */
function refusal(environment: Environment): ConfigError {
  try {
    loadConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(environment)} to be refused`);
}

describe("the config read from the environment", () => {
  it("has a default for everything a local process leaves unset", () => {
    expect(loadConfig({})).toEqual({
      runtime: "local",
      task: undefined,
      store: {
        tables: { tasks: "dts-tasks", chunks: "dts-chunks", checkpoints: "dts-checkpoints" },
        dynamodbEndpoint: undefined,
        region: "us-east-1",
      },
      tailer: { leaseTtlMs: 15_000, metrics: { emf: false } },
      fullLoad: { chunkHeartbeatTimeoutMs: 180_000, chunkRetryBackoffMs: 60_000 },
      metrics: { emf: false },
      launcher: {
        mode: "ecs",
        cluster: undefined,
        taskDefinition: undefined,
        subnets: [],
        securityGroups: [],
      },
      api: { stateMachineArn: undefined, token: undefined },
      secrets: { requireSecretArns: false, namePrefix: undefined },
      secretCache: { ttlMs: 900_000 },
      log: { level: "info" },
    });
  });

  it("reads each variable", () => {
    const config = loadConfig({
      DTS_TASK: "orders",
      DTS_TASKS_TABLE: "prod-tasks",
      DTS_CHUNKS_TABLE: "prod-chunks",
      DTS_CHECKPOINTS_TABLE: "prod-checkpoints",
      DYNAMODB_ENDPOINT: "http://127.0.0.1:38000",
      AWS_REGION: "eu-west-1",
      DTS_LEASE_TTL_MS: "2000",
      DTS_CHUNK_HEARTBEAT_TIMEOUT_MS: "5000",
      DTS_CHUNK_RETRY_BACKOFF_MS: "2000",
      DTS_EMF: "1",
      DTS_TAILER_LAUNCH: "local",
      DTS_REPO: "/srv/dts",
      DTS_STATE_MACHINE_ARN: "arn:aws:states:eu-west-1:123456789012:stateMachine:dts-tasks",
      DTS_SECRET_PREFIX: "dts/",
      DTS_REQUIRE_SECRET_ARNS: "true",
      DTS_API_TOKEN: "a-token-of-sixteen-chars",
      DTS_LOG_LEVEL: "DEBUG",
    });
    expect(config).toMatchObject({
      task: "orders",
      store: {
        tables: { tasks: "prod-tasks", chunks: "prod-chunks", checkpoints: "prod-checkpoints" },
        dynamodbEndpoint: "http://127.0.0.1:38000",
        region: "eu-west-1",
      },
      tailer: { leaseTtlMs: 2000, metrics: { emf: true } },
      fullLoad: { chunkHeartbeatTimeoutMs: 5000, chunkRetryBackoffMs: 2000 },
      metrics: { emf: true },
      launcher: { mode: "local", repo: "/srv/dts" },
      api: {
        stateMachineArn: "arn:aws:states:eu-west-1:123456789012:stateMachine:dts-tasks",
        token: "a-token-of-sixteen-chars",
      },
      secrets: { requireSecretArns: true, namePrefix: "dts/" },
      log: { level: "debug" },
    });
  });

  it("reads the ECS launcher's settings, lists split on commas", () => {
    expect(
      loadConfig({
        DTS_TAILER_CLUSTER: "arn:aws:ecs:eu-west-1:123456789012:cluster/dts",
        DTS_TAILER_TASK_DEFINITION: "arn:aws:ecs:eu-west-1:123456789012:task-definition/dts-tailer:3",
        DTS_TAILER_SUBNETS: "subnet-0a1b,subnet-2c3d,",
        DTS_TAILER_SECURITY_GROUPS: "sg-0a1b",
      }).launcher,
    ).toEqual({
      mode: "ecs",
      cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/dts",
      taskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/dts-tailer:3",
      subnets: ["subnet-0a1b", "subnet-2c3d"],
      securityGroups: ["sg-0a1b"],
    });
  });

  it("knows where it runs: metrics and the secret policy default to on in Lambda and Fargate", () => {
    const lambda = loadConfig({ AWS_LAMBDA_FUNCTION_NAME: "dts-copy-chunk" });
    expect(lambda).toMatchObject({ runtime: "lambda", metrics: { emf: true } });
    expect(lambda.secrets.requireSecretArns).toBe(true);
    const fargate = loadConfig({ ECS_CONTAINER_METADATA_URI_V4: "http://169.254.170.2/v4/abc" });
    expect(fargate).toMatchObject({ runtime: "ecs", metrics: { emf: true } });
    // An explicit value wins either way.
    expect(loadConfig({ AWS_LAMBDA_FUNCTION_NAME: "x", DTS_EMF: "0" }).metrics.emf).toBe(false);
    expect(loadConfig({ AWS_LAMBDA_FUNCTION_NAME: "x", DTS_REQUIRE_SECRET_ARNS: "false" }).secrets).toEqual({
      requireSecretArns: false,
      namePrefix: undefined,
    });
  });

  it("takes an empty value for unset", () => {
    expect(loadConfig({ DTS_LEASE_TTL_MS: "", DTS_TASKS_TABLE: " ", DTS_API_TOKEN: "" })).toMatchObject({
      tailer: { leaseTtlMs: 15_000 },
      store: { tables: { tasks: "dts-tasks" } },
      api: { token: undefined },
    });
  });

  it.each([
    ["DTS_LEASE_TTL_MS", "fifteen", /whole number of milliseconds/],
    ["DTS_LEASE_TTL_MS", "10", /at least 1000/],
    ["DTS_CHUNK_HEARTBEAT_TIMEOUT_MS", "3m", /whole number of milliseconds/],
    ["DTS_CHUNK_HEARTBEAT_TIMEOUT_MS", "999", /at least 1000/],
    ["DTS_CHUNK_RETRY_BACKOFF_MS", "1m", /whole number of milliseconds/],
    ["DTS_CHUNK_RETRY_BACKOFF_MS", "999", /at least 1000/],
    ["DTS_TASKS_TABLE", "x", /DynamoDB table name/],
    ["DTS_CHUNKS_TABLE", "bad name", /DynamoDB table name/],
    ["DTS_CHECKPOINTS_TABLE", "a/b", /DynamoDB table name/],
    ["DYNAMODB_ENDPOINT", "127.0.0.1:38000", /http\(s\) URL/],
    ["AWS_REGION", "Frankfurt", /AWS region/],
    ["DTS_EMF", "maybe", /set it to 1 .* or 0/],
    ["DTS_TAILER_LAUNCH", "docker", /local .* or ecs/],
    ["DTS_TAILER_SUBNETS", "subnet a", /comma-separated list/],
    ["DTS_TAILER_SECURITY_GROUPS", "sg 1", /comma-separated list/],
    ["DTS_STATE_MACHINE_ARN", "dts-tasks", /state machine's ARN/],
    ["DTS_SECRET_PREFIX", "dts prod", /secret names/],
    ["DTS_REQUIRE_SECRET_ARNS", "always", /true to refuse .* false to accept/],
    ["DTS_LOG_LEVEL", "loud", /one of fatal, error, warn, info, debug, trace, silent/],
    ["DTS_API_TOKEN", "short", /16 to 512 characters/],
  ])("refuses %s=%j, naming the variable, its value and the fix", (name, value, fix) => {
    const error = refusal({ [name]: value });
    // The redaction rule hides the value of any secret-named variable (DTS_SECRET_PREFIX too).
    const shown = isSecretKey(name) ? "(hidden)" : JSON.stringify(value);
    expect(error.message).toContain(`${name} is ${shown}: set it to`);
    expect(error.message).toMatch(fix);
    expect(error.problems).toHaveLength(1);
  });

  it("is a DtsError without a stack trace: the CLI and the container print its message alone", () => {
    const error = refusal({ DTS_LEASE_TTL_MS: "soon" });
    expect(error).toBeInstanceOf(DtsError);
    expect(error.name).toBe("ConfigError");
    expect(error.stack).toBe(`ConfigError: ${error.message}`);
    expect(error.stack).not.toMatch(/\n\s+at /);
  });

  it("names every bad variable at once, and never shows a secret's value", () => {
    const error = refusal({ DTS_EMF: "2", AWS_REGION: "mars" });
    expect(error.message).toMatch(
      /^invalid environment \(2 variables\):\n {2}AWS_REGION is "mars".*\n {2}DTS_EMF is "2"/,
    );
    expect(error.problems).toEqual([
      expect.stringMatching(/^AWS_REGION is "mars": set it to an AWS region/),
      expect.stringMatching(/^DTS_EMF is "2": set it to 1/),
    ]);
    // A secret-named variable's value is hidden: a token with a typo must still not be printed.
    const token = refusal({ DTS_API_TOKEN: "hunter2 hunter2 hunter2" });
    expect(token.message).toMatch(
      /^invalid environment: DTS_API_TOKEN is \(hidden\): set it to 16 to 512 characters/,
    );
    expect(token.message).not.toContain("hunter2");
  });

  it("needs DTS_REPO when the tailer is launched locally", () => {
    const error = refusal({ DTS_TAILER_LAUNCH: "local" });
    expect(error.message).toMatch(/DTS_REPO is not set: .*set DTS_REPO to its directory/);
  });

  it("lists the variables it reads", () => {
    expect(VARIABLES).toEqual(
      expect.arrayContaining([
        "DTS_TASK",
        "DTS_LEASE_TTL_MS",
        "DTS_EMF",
        "DTS_LOG_LEVEL",
        "DYNAMODB_ENDPOINT",
      ]),
    );
  });

  it("lets a handler call stand variables in for the deployed ones, and ignores a Lambda context", () => {
    expect(callConfig({ DTS_REQUIRE_SECRET_ARNS: "true", DTS_SECRET_PREFIX: "dts/" }).secrets).toEqual({
      requireSecretArns: true,
      namePrefix: "dts/",
    });
    const context = { functionName: "dts-precheck", awsRequestId: "r-1", getRemainingTimeInMillis: () => 1 };
    expect(callConfig(context)).toBe(callConfig());
  });
});
