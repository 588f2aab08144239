import { z } from "zod";
import { parseColumnType } from "./column-type.ts";
import { parseTableName, TABLE_NAME_HELP } from "./table-name.ts";

/**
 * The task spec: one JSON document per task, modelled on the parameters of the product we match
 * (source, destination, migration types, conflict mode, selected objects with mapping and filters,
 * capitalization, Kafka options, retry window, heartbeat, alerts, full-load tuning).
 * Field descriptions end up in `dts schema` (the API's request body) and in error messages.
 */

const TASK_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;

const identifier = (what: string) =>
  z
    .string()
    .min(1, { error: `${what} must not be empty` })
    .max(64, { error: `${what} is longer than MySQL's 64-character limit` })
    .refine((s) => !s.endsWith(" "), { error: `${what} must not end with a space (MySQL rejects it)` })
    // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what MySQL refuses in names.
    .refine((s) => !/[\u0000\uD800-\uDFFF]/.test(s), {
      error: `${what} may not hold NUL or characters outside the Basic Multilingual Plane (MySQL refuses them)`,
    });

/** A host name or an IP address: no spaces, slashes or control characters. */
const hostName = z
  .string()
  .min(1, { error: "must not be empty" })
  .max(253, { error: "is longer than a host name can be (253 characters)" })
  .regex(/^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]+)$/, {
    error: "must be a host name or an IP address, such as db.example.com or 10.0.0.5",
  });

/** Kafka's own rule for topic names. */
const topicName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, {
    error: "a Kafka topic name is 1-249 letters, digits, '.', '_' or '-'",
  })
  .refine((t) => t !== "." && t !== "..", { error: "a Kafka topic cannot be named . or .." });

const brokerAddress = z
  .string()
  .regex(/^([A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/, {
    error: "must be host:port, e.g. 10.0.0.5:9092",
  })
  .refine(
    (b) => {
      const port = Number(b.slice(b.lastIndexOf(":") + 1));
      return port >= 1 && port <= 65535;
    },
    { error: "the port must be between 1 and 65535" },
  );

export const tlsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).meta({ description: "Use TLS for this connection." }),
    ca: z.string().optional().meta({ description: "PEM text of the CA certificate to trust." }),
    rejectUnauthorized: z
      .boolean()
      .default(true)
      .meta({ description: "Refuse a server certificate that does not verify (keep true outside tests)." }),
  })
  .meta({ description: "TLS options; omit for a plaintext connection." });

const secretFields = {
  password: z
    .string()
    .optional()
    .meta({ description: "Password, for local use. Prefer passwordSecretArn in AWS." }),
  passwordSecretArn: z
    .string()
    .regex(SECRET_ARN, {
      error: "must be a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)",
    })
    .optional()
    .meta({
      description:
        "Secrets Manager secret holding the password (plain string or JSON with a 'password' key).",
    }),
};

const oneSecret = (value: { password?: string | undefined; passwordSecretArn?: string | undefined }) =>
  (value.password === undefined) !== (value.passwordSecretArn === undefined);
const oneSecretError = {
  error: "set exactly one of password or passwordSecretArn",
  path: ["password"],
};

const endpointShape = {
  host: hostName.meta({ description: "Host name or IP address of the server." }),
  port: z
    .number({ error: "must be a TCP port number such as 3306" })
    .int({ error: "must be a whole TCP port number such as 3306" })
    .min(1, { error: "must be a TCP port between 1 and 65535" })
    .max(65535, { error: "must be a TCP port between 1 and 65535" })
    .default(3306)
    .meta({ description: "TCP port." }),
  user: z
    .string()
    .min(1)
    .max(80, { error: "is longer than an account name can be (80 characters)" })
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are refused.
    .regex(/^[^\u0000-\u001f]+$/, { error: "must not hold control characters" })
    .meta({ description: "Database account used by the task." }),
  ...secretFields,
  tls: tlsSchema.optional(),
  serverPublicKey: z.string().min(1).optional().meta({
    description:
      "PEM text of the server's RSA public key, for sha256_password / caching_sha2_password accounts over a connection without TLS (the password is then encrypted with this key, never with one the server sends).",
  }),
};

export const mysqlEndpointSchema = z.strictObject(endpointShape).refine(oneSecret, oneSecretError);

const dmlOperation = z.enum(["insert", "update", "delete"]);
const dmlList = z
  .array(dmlOperation)
  .min(1, { error: "list at least one of insert, update, delete (or leave the field out for all three)" })
  .meta({ description: "DML operations migrated incrementally; default all three." });

export const columnSelectionSchema = z.union([
  identifier("column name"),
  z.strictObject({
    name: identifier("column name").meta({ description: "Source column name." }),
    as: identifier("destination column name").optional().meta({ description: "Destination column name." }),
  }),
]);

export const tableSelectionSchema = z.strictObject({
  name: identifier("table name").meta({ description: "Source table name." }),
  as: identifier("destination table name").optional().meta({ description: "Destination table name." }),
  columns: z
    .array(columnSelectionSchema)
    .min(1, { error: "list at least one column, or leave columns out to migrate them all" })
    .optional()
    .meta({
      description: "Columns to migrate (name or {name, as}); default all. Key columns must be included.",
    }),
  where: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "Row filter: a SQL condition on this table's columns, e.g. \"status <> 'void'\"." }),
  dml: dmlList.optional(),
});

export const objectSelectionSchema = z.strictObject({
  database: identifier("database name").meta({ description: "Source database (schema) name." }),
  as: identifier("destination database name").optional().meta({ description: "Destination database name." }),
  tables: z
    .array(tableSelectionSchema)
    .min(1, { error: "list at least one table, or leave tables out to migrate the whole database" })
    .optional()
    .meta({ description: "Tables to migrate; default the whole database (with views, triggers, routines)." }),
  dml: dmlList.optional(),
  sqlSecurity: z.enum(["invoker", "definer"]).default("invoker").meta({
    description:
      "Whole-database selections: the SQL SECURITY of the views and routines created on the destination. invoker (default): they run with the rights of whoever calls them; definer: with the rights of the destination account that created them (the migration account).",
  }),
});

export const kafkaDestinationSchema = z
  .strictObject({
    type: z.literal("kafka"),
    brokers: z
      .array(brokerAddress)
      .min(1, { error: "list at least one broker as host:port" })
      .meta({ description: "Bootstrap brokers, host:port." }),
    topic: topicName.meta({ description: "Topic that receives row changes (must exist)." }),
    ddlTopic: topicName.optional().meta({ description: "Topic for DDL records; default the topic." }),
    format: z.enum(["canal-json", "dts-avro"]).default("dts-avro").meta({ description: "Message format." }),
    delivery: z.enum(["at-least-once", "exactly-once"]).default("at-least-once").meta({
      description:
        "at-least-once: after a crash the tailer sends again what followed its last checkpoint. exactly-once: each source transaction's messages and the checkpoint after them commit in one Kafka transaction, so consumers reading read_committed see every change once (see docs/kafka.md).",
    }),
    partitionPolicy: z
      .enum(["partition-0", "hash-table", "hash-pk"])
      .default("partition-0")
      .meta({ description: "How messages are routed to partitions." }),
    partitionKeys: z
      .record(
        z.string().refine((key) => parseTableName(key) !== undefined, { error: `keys: ${TABLE_NAME_HELP}` }),
        z.array(identifier("column name")).min(1),
      )
      .optional()
      .meta({ description: "hash-pk only: columns to hash per source table ('db.table' -> columns)." }),
    sasl: z
      .strictObject({
        mechanism: z.literal("scram-sha-256", { error: "only scram-sha-256 is supported" }),
        username: z.string().min(1).max(256),
        ...secretFields,
      })
      .refine(oneSecret, oneSecretError)
      .optional()
      .meta({ description: "SASL/SCRAM-SHA-256 credentials; omit for an unauthenticated cluster." }),
    tls: tlsSchema.optional(),
    schemaRegistryUrl: z
      .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL such as http://registry:8081" })
      .optional()
      .meta({ description: "dts-avro only: Confluent schema registry; messages then use its wire format." }),
  })
  .refine((k) => k.partitionKeys === undefined || k.partitionPolicy === "hash-pk", {
    error:
      "partitionKeys only applies with partitionPolicy hash-pk: remove it or set partitionPolicy to hash-pk",
    path: ["partitionKeys"],
  })
  .refine((k) => k.schemaRegistryUrl === undefined || k.format === "dts-avro", {
    error: "schemaRegistryUrl only applies to format dts-avro: remove it or set format to dts-avro",
    path: ["schemaRegistryUrl"],
  });

export const mysqlDestinationSchema = z
  .strictObject({
    type: z.literal("mysql"),
    ...endpointShape,
    applyConnections: z
      .number({ error: "must be a number of connections from 1 to 16" })
      .int({ error: "must be a whole number of connections from 1 to 16" })
      .min(1, { error: "must be at least 1" })
      .max(16, { error: "must be at most 16" })
      .default(4)
      .meta({
        description:
          "Connections the incremental phase applies changes on. 1: each batch of whole source transactions is one destination transaction. More: each batch's rows are spread by primary key over destination transactions committed side by side on that many connections (faster; a reader of the destination may see part of a batch for a moment, and after a crash until the tailer writes it again; a row never goes back to an older version). See docs/architecture.md.",
      }),
  })
  .refine(oneSecret, oneSecretError);

const destinationSchema = z
  .discriminatedUnion("type", [mysqlDestinationSchema, kafkaDestinationSchema], {
    error: 'destination.type must be "mysql" or "kafka"',
  })
  .meta({ description: "Where the data goes: a MySQL-compatible server or a Kafka cluster." });

export const etlSchema = z
  .strictObject({
    script: z
      .string()
      .min(1, { error: "must not be empty: write an expression such as e_drop() or leave etl out" })
      .meta({
        description:
          "ETL script in the product's DSL (one expression, optional 'script:' prefix), e.g. e_if(op_gt(`id`, 10000), e_drop()).",
      }),
    addColumns: z
      .array(
        z.strictObject({
          table: z
            .string()
            .refine((table) => parseTableName(table) !== undefined, { error: TABLE_NAME_HELP })
            .meta({ description: "Source table (database.table) whose destination table gets the column." }),
          name: identifier("column name").meta({ description: "Destination column set by e_set." }),
          type: z
            .string()
            .min(1)
            .transform((text, context) => {
              const type = parseColumnType(text);
              if (type.ok) return type.sql;
              context.addIssue({ code: "custom", message: `not a column type: ${type.message}` });
              return z.NEVER;
            })
            .meta({
              description:
                "MySQL column type, e.g. VARCHAR(64), DECIMAL(12,2), DATETIME(3) or ENUM('a','b'), with UNSIGNED, CHARACTER SET and COLLATE where they apply; nothing else.",
            }),
        }),
      )
      .optional()
      .meta({ description: "Columns the schema phase adds to destination tables for e_set to fill." }),
  })
  .meta({ description: "Row processing applied in full and incremental migration." });

export const migrationTypeSchema = z.enum(["schema", "full", "incremental"]);

/** A chunk holds about this many bytes at most (fullLoad.chunkBytes): 64 MiB. */
export const DEFAULT_CHUNK_BYTES = 64 * 1024 * 1024;

export const taskSpecSchema = z
  .strictObject({
    name: z
      .string()
      .regex(TASK_NAME, { error: "use 1-80 letters, digits, '-' or '_', starting with a letter or digit" })
      .meta({ description: "Task name, unique per deployment." }),
    source: mysqlEndpointSchema.meta({
      description: "The MySQL-compatible source (MySQL 5.7/8.x, MariaDB, PolarDB-X 2.0).",
    }),
    destination: destinationSchema,
    migrationTypes: z
      .array(migrationTypeSchema)
      .min(1, { error: 'list at least one of "schema", "full", "incremental"' })
      .refine((types) => new Set(types).size === types.length, { error: "list each migration type once" })
      .meta({ description: "Phases to run: schema, full, incremental (any combination)." }),
    conflictMode: z
      .enum(["precheck-and-report", "ignore-and-proceed"])
      .default("precheck-and-report")
      .meta({ description: "What to do with destination tables that already exist." }),
    objects: z
      .array(objectSelectionSchema)
      .min(1, { error: "select at least one database" })
      .meta({ description: "Selected databases, tables and columns, with name mapping and filters." }),
    capitalization: z
      .enum(["dts-default", "source", "upper", "lower"])
      .default("dts-default")
      .meta({ description: "Capitalization of destination names not mapped explicitly." }),
    retryWindowMinutes: z
      .number()
      .int()
      .min(10, { error: "must be between 10 and 1440 minutes (30 or more is recommended)" })
      .max(1440, { error: "must be between 10 and 1440 minutes" })
      .default(720)
      .meta({ description: "How long lost connections are retried before the task fails." }),
    heartbeat: z
      .boolean()
      .default(true)
      .meta({ description: "Write dts_health_check.ha_health_check on the source every second." }),
    alerts: z
      .strictObject({
        onFailure: z.boolean().default(true),
        latencyThresholdSeconds: z.number().int().min(1).optional(),
      })
      .default({ onFailure: true })
      .meta({ description: "Alerts: on task failure, and when latency exceeds a threshold." }),
    fullLoad: z
      .strictObject({
        chunkRows: z.number().int().min(100).max(10_000_000).default(100_000),
        chunkBytes: z
          .number({ error: "must be a number of bytes, e.g. 67108864 (64 MiB)" })
          .int({ error: "must be a whole number of bytes, e.g. 67108864 (64 MiB)" })
          .min(1_048_576, { error: "must be at least 1048576 (1 MiB); the default is 67108864 (64 MiB)" })
          .max(1_073_741_824, {
            error: "must be at most 1073741824 (1 GiB); the default is 67108864 (64 MiB)",
          })
          .default(DEFAULT_CHUNK_BYTES),
        parallelism: z.number().int().min(1).max(64).default(4),
        rateLimitRowsPerSecond: z.number().int().min(1).optional(),
        maxChunkAttempts: z
          .number({ error: "must be a number of attempts from 1 to 100, e.g. 5 (the default)" })
          .int({ error: "must be a whole number of attempts from 1 to 100, e.g. 5 (the default)" })
          .min(1, { error: "must be at least 1; the default is 5" })
          .max(100, { error: "must be at most 100; the default is 5" })
          .optional()
          .meta({
            description:
              "Copies of one chunk that may fail (or be cut short) before the task stops with its range and error; 5 when unset.",
          }),
      })
      .default({ chunkRows: 100_000, chunkBytes: DEFAULT_CHUNK_BYTES, parallelism: 4 })
      .meta({
        description:
          "Full-load tuning: rows per chunk, bytes per chunk (wide rows give fewer rows), chunks copied at once, optional rows/s limit.",
      }),
    etl: etlSchema.optional(),
    precheck: z
      .strictObject({
        strictBinlogRetention: z
          .boolean({
            error:
              "must be true or false (default false): true fails precheck, instead of warning, when the source's binlog retention is shorter than the estimated full load",
          })
          .default(false),
      })
      .optional()
      .meta({
        description:
          "Precheck options: strictBinlogRetention fails (instead of warns) when binlogs would be purged before the estimated full load ends.",
      }),
  })
  .meta({ title: "TaskSpec", description: "A data migration task." });

export type TaskSpec = z.output<typeof taskSpecSchema>;
export type TaskSpecInput = z.input<typeof taskSpecSchema>;
export type MysqlEndpoint = z.output<typeof mysqlEndpointSchema>;
export type KafkaDestination = z.output<typeof kafkaDestinationSchema>;
export type MysqlDestination = Extract<TaskSpec["destination"], { type: "mysql" }>;
export type ObjectSelection = z.output<typeof objectSelectionSchema>;
export type TableSelection = z.output<typeof tableSelectionSchema>;
export type MigrationType = z.output<typeof migrationTypeSchema>;
export type EtlSpec = z.output<typeof etlSchema>;
export type DmlOperation = z.output<typeof dmlOperation>;
