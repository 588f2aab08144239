/**
 * The process environment the project reads, written down once: one zod schema, parsed once at
 * each composition root (a Lambda handler's first call, container/main.ts, the CLI, the local
 * server and runner) into a typed config that is passed down. Core functions take the small
 * per-consumer types below, never the environment. This is the only module in core/ that reads
 * `process.env` (besides core/store, which still reads its table names and endpoint itself).
 */
import { z } from "zod";
import { DtsError } from "./errors.ts";
import { HIDDEN, isSecretKey } from "./redact.ts";

export type Environment = Readonly<Record<string, string | undefined>>;

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where the process runs: Lambda and Fargate set their own variables. */
export type Runtime = "lambda" | "ecs" | "local";

/** Where passwords may come from: in AWS only Secrets Manager secrets the stack may read. */
export interface SecretPolicy {
  /** Refuse specs carrying a password (AWS: the spec is stored and shown in the console). */
  requireSecretArns: boolean;
  /** Secret names the stack's functions and tailer may read start with this (e.g. "dts/"). */
  namePrefix?: string | undefined;
}

export interface TableNames {
  tasks: string;
  chunks: string;
  checkpoints: string;
}

/** The DynamoDB task store: its tables and where DynamoDB is. */
export interface StoreConfig {
  tables: TableNames;
  /** DynamoDB Local (http://127.0.0.1:38000); undefined in AWS. */
  dynamodbEndpoint: string | undefined;
  region: string;
}

export interface MetricsConfig {
  /** Print CloudWatch embedded metric format lines (core/incremental/metrics.ts). */
  emf: boolean;
}

export interface TailerConfig {
  /** How long a tailer's lease lasts without renewal; renewed every third of it. */
  leaseTtlMs: number;
  metrics: MetricsConfig;
}

export interface LocalLauncherConfig {
  mode: "local";
  /** The checkout whose container/main.ts is spawned. */
  repo: string;
}

export interface EcsLauncherConfig {
  mode: "ecs";
  cluster: string | undefined;
  taskDefinition: string | undefined;
  subnets: string[];
  securityGroups: string[];
}

export type LauncherConfig = LocalLauncherConfig | EcsLauncherConfig;

export interface ApiConfig {
  /** The task state machine the deployed API starts executions of. */
  stateMachineArn: string | undefined;
  /** `dts serve`: the token every request must carry (else a fresh one per run). */
  token: string | undefined;
}

export interface LogConfig {
  level: LogLevel;
}

export interface FullLoadConfig {
  /**
   * How long a copying chunk's heartbeat may be silent before any copy worker may claim it again
   * (its worker died or hung); workers beat every quarter of it.
   */
  chunkHeartbeatTimeoutMs: number;
  /**
   * How long a chunk whose copy failed waits before it is tried again, doubled with each failure
   * (capped at 16 times this; core/fullload/chunk-retry.ts).
   */
  chunkRetryBackoffMs: number;
}

export interface SecretCacheConfig {
  /** How long a password fetched from Secrets Manager is used before it is fetched again. */
  ttlMs: number;
}

export interface DtsConfig {
  runtime: Runtime;
  /** The task a tailer runs (container/main.ts). */
  task: string | undefined;
  store: StoreConfig;
  tailer: TailerConfig;
  fullLoad: FullLoadConfig;
  metrics: MetricsConfig;
  launcher: LauncherConfig;
  api: ApiConfig;
  secrets: SecretPolicy;
  secretCache: SecretCacheConfig;
  log: LogConfig;
}

/** Variables with bad values (or a missing one another needs): the message names each and its fix. */
export class ConfigError extends DtsError {
  /** One line per variable: `NAME is "value": set it to ...`. */
  readonly problems: string[];

  constructor(problems: string[]) {
    const message =
      problems.length === 1
        ? `invalid environment: ${problems[0]}`
        : `invalid environment (${problems.length} variables):\n${problems.map((p) => `  ${p}`).join("\n")}`;
    super(message);
    this.problems = problems;
    // Where in our code the environment was read is no help to whoever sets it.
    this.stack = `${this.name}: ${message}`;
  }
}

const blank = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const lower = (value: unknown) => (typeof value === "string" ? blank(value.trim().toLowerCase()) : value);
/** An empty value counts as unset. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blank, schema.optional());
const defaulted = <T extends z.ZodType>(schema: T, fallback: z.output<T>) =>
  z.preprocess(blank, schema.default(fallback as never));
const matching = (pattern: RegExp, fix: string) => z.string().trim().regex(pattern, { error: fix });
const flag = (fix: string) =>
  z.preprocess(
    lower,
    z
      .enum(["1", "0", "true", "false", "yes", "no"], { error: fix })
      .transform((v) => v === "1" || v === "true" || v === "yes")
      .optional(),
  );
const tableName = (fallback: string) =>
  defaulted(
    matching(
      /^[A-Za-z0-9_.-]{3,255}$/,
      `set it to a DynamoDB table name (3-255 letters, digits, "_", "." or "-"), or unset it for ${fallback}`,
    ),
    fallback,
  );
const idList = (example: string) =>
  defaulted(
    z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((item) => item.trim())
          .filter(Boolean),
      )
      .refine((ids) => ids.every((id) => /^[A-Za-z0-9_:/.-]+$/.test(id)), {
        error: `set it to a comma-separated list of ids, such as ${example}`,
      }),
    [],
  );

/** Milliseconds from a second to an hour, or the default when unset. */
const milliseconds = (fallback: number) =>
  defaulted(
    matching(
      /^\d+$/,
      `set it to a whole number of milliseconds from 1000 to 3600000, or unset it for ${fallback}`,
    )
      .transform(Number)
      .refine((ms) => ms >= 1000 && ms <= 3_600_000, {
        error: "set it to at least 1000 (a second) and at most 3600000 (an hour)",
      }),
    fallback,
  );

export const DEFAULT_LEASE_TTL_MS = 15_000;

/** Three minutes (core/store/chunk-claim.ts has the same default for ledgers made without a config). */
export const DEFAULT_CHUNK_HEARTBEAT_TIMEOUT_MS = 180_000;

/** A minute (core/fullload/chunk-retry.ts has the same default for workers made without a config). */
export const DEFAULT_CHUNK_RETRY_BACKOFF_MS = 60_000;

/** Fifteen minutes (core/adapters/secrets.ts has the same default for caches made without a config). */
export const DEFAULT_SECRET_TTL_SECONDS = 900;

/** A token chosen by the user for `dts serve` (local/request-guard.ts checks requests against it). */
export const API_TOKEN_SHAPE = /^[A-Za-z0-9._~+/=-]{16,512}$/;
export const API_TOKEN_RULE =
  "16 to 512 characters of letters, digits and . _ ~ + / = - (e.g. `openssl rand -base64 32`)";

/** Every variable the project reads, with what a good value is. */
const variables = z.object({
  DTS_TASK: optional(z.string().trim()),
  DTS_TASKS_TABLE: tableName("dts-tasks"),
  DTS_CHUNKS_TABLE: tableName("dts-chunks"),
  DTS_CHECKPOINTS_TABLE: tableName("dts-checkpoints"),
  DYNAMODB_ENDPOINT: optional(
    matching(
      /^https?:\/\/[^\s/]+(\/\S*)?$/,
      "set it to an http(s) URL such as http://127.0.0.1:38000 (DynamoDB Local), or unset it for AWS",
    ),
  ),
  AWS_REGION: defaulted(
    matching(/^[a-z]{2}(-[a-z]+)+-\d+$/, "set it to an AWS region such as us-east-1"),
    "us-east-1",
  ),
  DTS_LEASE_TTL_MS: milliseconds(DEFAULT_LEASE_TTL_MS),
  DTS_CHUNK_HEARTBEAT_TIMEOUT_MS: milliseconds(DEFAULT_CHUNK_HEARTBEAT_TIMEOUT_MS),
  DTS_CHUNK_RETRY_BACKOFF_MS: milliseconds(DEFAULT_CHUNK_RETRY_BACKOFF_MS),
  DTS_EMF: flag(
    "set it to 1 to print CloudWatch metrics (embedded metric format) or 0 not to; unset, they are printed on Lambda and Fargate only",
  ),
  DTS_TAILER_LAUNCH: z.preprocess(
    lower,
    z
      .enum(["local", "ecs"], {
        error:
          "set it to local (a child process of the checkout in DTS_REPO) or ecs (Fargate RunTask, the default)",
      })
      .default("ecs"),
  ),
  DTS_REPO: optional(z.string().trim()),
  DTS_TAILER_CLUSTER: optional(z.string().trim()),
  DTS_TAILER_TASK_DEFINITION: optional(z.string().trim()),
  DTS_TAILER_SUBNETS: idList("subnet-0a1b2c,subnet-3d4e5f"),
  DTS_TAILER_SECURITY_GROUPS: idList("sg-0a1b2c"),
  DTS_STATE_MACHINE_ARN: optional(
    matching(
      /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:\S+$/,
      "set it to the task state machine's ARN (arn:aws:states:<region>:<account>:stateMachine:<name>)",
    ),
  ),
  DTS_SECRET_PREFIX: optional(
    matching(
      /^[A-Za-z0-9/_+=.@-]+$/,
      "set it to the start of the secret names the stack may read, such as dts/",
    ),
  ),
  DTS_SECRET_TTL_SECONDS: defaulted(
    matching(
      /^\d+$/,
      `set it to a whole number of seconds from 0 (fetch on every login) to 86400, or unset it for ${DEFAULT_SECRET_TTL_SECONDS}`,
    )
      .transform(Number)
      .refine((s) => s <= 86_400, { error: "set it to at most 86400 (a day)" }),
    DEFAULT_SECRET_TTL_SECONDS,
  ),
  DTS_REQUIRE_SECRET_ARNS: flag(
    "set it to true to refuse specs that carry passwords (passwordSecretArn only) or false to accept them; unset, true on Lambda and Fargate",
  ),
  DTS_API_TOKEN: optional(
    matching(API_TOKEN_SHAPE, `set it to ${API_TOKEN_RULE}, or unset it for a fresh one per run`),
  ),
  DTS_LOG_LEVEL: z.preprocess(
    lower,
    z
      .enum(LOG_LEVELS, { error: `set it to one of ${LOG_LEVELS.join(", ")}, or unset it for info` })
      .default("info"),
  ),
  // Set by the platform, never by hand: where the process runs.
  AWS_LAMBDA_FUNCTION_NAME: optional(z.string()),
  ECS_CONTAINER_METADATA_URI_V4: optional(z.string()),
});

/** The names of the variables the config reads. */
export const VARIABLES = Object.keys(variables.shape) as readonly string[];

function shown(name: string, environment: Environment): string {
  const value = environment[name];
  if (value === undefined) return "not set";
  return isSecretKey(name) ? HIDDEN : JSON.stringify(value);
}

/** Parses an environment into the config; a bad value is a ConfigError naming each variable and its fix. */
export function loadConfig(environment: Environment): DtsConfig {
  const parsed = variables.safeParse(environment);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `${name} is ${shown(name, environment)}: ${issue.message}`;
    });
    throw new ConfigError(lines);
  }
  const v = parsed.data;
  const runtime: Runtime = v.AWS_LAMBDA_FUNCTION_NAME
    ? "lambda"
    : v.ECS_CONTAINER_METADATA_URI_V4
      ? "ecs"
      : "local";
  const deployed = runtime !== "local";
  let launcher: LauncherConfig;
  if (v.DTS_TAILER_LAUNCH === "local") {
    if (!v.DTS_REPO)
      throw new ConfigError([
        "DTS_REPO is not set: DTS_TAILER_LAUNCH=local spawns the tailer from a checkout; set DTS_REPO to its directory",
      ]);
    launcher = { mode: "local", repo: v.DTS_REPO };
  } else {
    launcher = {
      mode: "ecs",
      cluster: v.DTS_TAILER_CLUSTER,
      taskDefinition: v.DTS_TAILER_TASK_DEFINITION,
      subnets: v.DTS_TAILER_SUBNETS,
      securityGroups: v.DTS_TAILER_SECURITY_GROUPS,
    };
  }
  const metrics = { emf: v.DTS_EMF ?? deployed };
  return {
    runtime,
    task: v.DTS_TASK,
    store: {
      tables: { tasks: v.DTS_TASKS_TABLE, chunks: v.DTS_CHUNKS_TABLE, checkpoints: v.DTS_CHECKPOINTS_TABLE },
      dynamodbEndpoint: v.DYNAMODB_ENDPOINT,
      region: v.AWS_REGION,
    },
    tailer: { leaseTtlMs: v.DTS_LEASE_TTL_MS, metrics },
    fullLoad: {
      chunkHeartbeatTimeoutMs: v.DTS_CHUNK_HEARTBEAT_TIMEOUT_MS,
      chunkRetryBackoffMs: v.DTS_CHUNK_RETRY_BACKOFF_MS,
    },
    metrics,
    launcher,
    api: { stateMachineArn: v.DTS_STATE_MACHINE_ARN, token: v.DTS_API_TOKEN },
    // Deployed, a password in a spec would be stored with the task and shown in the console.
    secrets: { requireSecretArns: v.DTS_REQUIRE_SECRET_ARNS ?? deployed, namePrefix: v.DTS_SECRET_PREFIX },
    secretCache: { ttlMs: v.DTS_SECRET_TTL_SECONDS * 1000 },
    log: { level: v.DTS_LOG_LEVEL },
  };
}

let loaded: DtsConfig | undefined;

/** This process's config, parsed from its environment on first use. For composition roots only. */
export function processConfig(): DtsConfig {
  loaded ??= loadConfig(process.env);
  return loaded;
}

/**
 * The config of one handler call. Lambda passes its context object where tests pass variables
 * standing in for the deployed ones: only entries named like a variable of the config (and
 * holding text) count, so a Lambda context changes nothing and the process's config is used.
 */
export function callConfig(overrides?: object): DtsConfig {
  const named = Object.entries(overrides ?? {}).filter(
    ([key, value]) => VARIABLES.includes(key) && typeof value === "string",
  );
  if (named.length === 0) return processConfig();
  return loadConfig({ ...process.env, ...Object.fromEntries(named) });
}

/** The environment a child process starts with: this process's, and `overrides`. */
export function childEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
