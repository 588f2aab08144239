import { describe, it } from "vitest";
import { loadTaskSpec } from "#core/spec/load.ts";
import { expectClearRefusal, failure, PLANTED, plantedSpec, specFile } from "../support/bad-input.ts";

/**
 * The bad-input corpus, specs: each case is what `dts precheck <file>` (or any command taking a
 * spec) is given, and what it must answer: exit 2, the JSON path, what to do, never the planted
 * secret, never a stack trace.
 */
const base = plantedSpec();
const source = base.source as Record<string, unknown>;
const destination = base.destination as Record<string, unknown>;
const kafka = {
  type: "kafka",
  brokers: ["127.0.0.1:39093"],
  topic: "changes",
  sasl: { mechanism: "scram-sha-256", username: "dts", password: PLANTED },
};
const deep = (levels: number): unknown => {
  let value: unknown = PLANTED;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};
const table = (t: Record<string, unknown>) => ({
  objects: [{ database: "shop", tables: [{ name: "t", ...t }] }],
});
const addColumn = (c: Record<string, unknown>) => ({
  etl: { script: "e_set(`x`, 1)", addColumns: [{ table: "shop.t", name: "x", type: "INT", ...c }] },
});

type Case = [label: string, spec: unknown, path: string, fix: RegExp];

const cases: Case[] = [
  // Secrets under names no rule expects, misspelt, or in the wrong place.
  [
    "misspelt password",
    { source: { ...source, password: undefined, pasword: PLANTED } },
    "$.source.pasword",
    /did you mean "password"/,
  ],
  [
    "capitalised Password",
    { source: { ...source, password: undefined, Password: PLANTED } },
    "$.source.Password",
    /did you mean "password"/,
  ],
  [
    "PASSWD on the destination",
    { destination: { ...destination, PASSWD: PLANTED } },
    "$.destination.PASSWD",
    /unknown field/,
  ],
  [
    "a password that is a number",
    { source: { ...source, password: 1234 } },
    "$.source.password",
    /expected string/,
  ],
  [
    "a secret under an unknown key",
    { source: { ...source, notes: PLANTED } },
    "$.source.notes",
    /unknown field: remove it/,
  ],
  [
    "both password and secret ARN",
    {
      source: {
        ...source,
        passwordSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
      },
    },
    "$.source.password",
    /exactly one of password or passwordSecretArn/,
  ],
  [
    "a malformed secret ARN",
    { source: { ...source, password: undefined, passwordSecretArn: "db-password" } },
    "$.source.passwordSecretArn",
    /Secrets Manager ARN/,
  ],
  [
    "a SASL password misspelt",
    { destination: { ...kafka, sasl: { mechanism: "scram-sha-256", username: "dts", passwrd: PLANTED } } },
    "$.destination.sasl.passwrd",
    /did you mean "password"/,
  ],
  [
    "SASL PLAIN",
    { destination: { ...kafka, sasl: { ...kafka.sasl, mechanism: "plain" } } },
    "$.destination.sasl.mechanism",
    /only scram-sha-256/,
  ],
  [
    "a column entry with a secret",
    table({ columns: [{ name: 5, password: PLANTED }] }),
    "$.objects[0].tables[0].columns[0].name",
    /expected string/,
  ],
  [
    "a column entry with a misspelt key",
    table({ columns: [{ nam: PLANTED }] }),
    "$.objects[0].tables[0].columns[0].nam",
    /did you mean "name"/,
  ],
  [
    "a column entry that is a number",
    table({ columns: [7] }),
    "$.objects[0].tables[0].columns[0]",
    /expected/,
  ],
  // Hostile identifiers.
  [
    "NUL in a column name",
    table({ columns: ["id\u0000x"] }),
    "$.objects[0].tables[0].columns[0]",
    /may not hold NUL/,
  ],
  [
    "NUL in a database name",
    { objects: [{ database: "sh\u0000op" }] },
    "$.objects[0].database",
    /may not hold NUL/,
  ],
  [
    "a 65-character table name",
    table({ name: "t".repeat(65) }),
    "$.objects[0].tables[0].name",
    /64-character limit/,
  ],
  [
    "a name ending with a space",
    { objects: [{ database: "shop " }] },
    "$.objects[0].database",
    /must not end with a space/,
  ],
  [
    "an emoji in a destination name",
    table({ as: "orders😀" }),
    "$.objects[0].tables[0].as",
    /Basic Multilingual Plane/,
  ],
  ["an empty table name", table({ name: "" }), "$.objects[0].tables[0].name", /must not be empty/],
  ["a task name with a path", { name: "../etc/passwd" }, "$.name", /letters, digits/],
  ["a task name of 81 characters", { name: "a".repeat(81) }, "$.name", /1-80 letters/],
  ["a task name with a newline", { name: "task\nINJECT" }, "$.name", /letters, digits/],
  // Endpoints.
  ["port 99999", { source: { ...source, port: 99999 } }, "$.source.port", /between 1 and 65535/],
  ["port 0", { destination: { ...destination, port: 0 } }, "$.destination.port", /between 1 and 65535/],
  [
    "no apply connection",
    { destination: { ...destination, applyConnections: 0 } },
    "$.destination.applyConnections",
    /at least 1/,
  ],
  [
    "half an apply connection",
    { destination: { ...destination, applyConnections: 2.5 } },
    "$.destination.applyConnections",
    /whole number of connections from 1 to 16/,
  ],
  ["a port given as text", { source: { ...source, port: "3306" } }, "$.source.port", /TCP port number/],
  ["a fractional port", { source: { ...source, port: 33.5 } }, "$.source.port", /whole TCP port number/],
  [
    "a host with a space",
    { source: { ...source, host: "db host" } },
    "$.source.host",
    /host name or an IP address/,
  ],
  [
    "a host with a slash",
    { source: { ...source, host: "db/../x" } },
    "$.source.host",
    /host name or an IP address/,
  ],
  [
    "a host that is a URL",
    { destination: { ...destination, host: "mysql://db:3306" } },
    "$.destination.host",
    /host name or an IP address/,
  ],
  ["an empty host", { source: { ...source, host: "" } }, "$.source.host", /must not be empty/],
  ["a host of 300 characters", { source: { ...source, host: "a".repeat(300) } }, "$.source.host", /253/],
  ["a user with a newline", { source: { ...source, user: "dts\nx" } }, "$.source.user", /control characters/],
  [
    "a user of 81 characters",
    { source: { ...source, user: "u".repeat(81) } },
    "$.source.user",
    /80 characters/,
  ],
  [
    "TLS options of the wrong type",
    { source: { ...source, tls: { ca: 42 } } },
    "$.source.tls.ca",
    /expected string/,
  ],
  [
    "an unknown TLS option",
    { source: { ...source, tls: { cert: "x" } } },
    "$.source.tls.cert",
    /unknown field/,
  ],
  [
    "an empty server public key",
    { source: { ...source, serverPublicKey: "" } },
    "$.source.serverPublicKey",
    /Too small|at least|>=1/,
  ],
  [
    "an unknown destination type",
    { destination: { type: "postgres", host: "h", user: "u", password: PLANTED } },
    "$.destination.type",
    /"mysql" or "kafka"/,
  ],
  // Kafka.
  [
    "a broker port of 99999",
    { destination: { ...kafka, brokers: ["h:99999"] } },
    "$.destination.brokers[0]",
    /between 1 and 65535/,
  ],
  [
    "a broker without a port",
    { destination: { ...kafka, brokers: ["h"] } },
    "$.destination.brokers[0]",
    /host:port/,
  ],
  [
    "a broker URL",
    { destination: { ...kafka, brokers: ["PLAINTEXT://h:9092"] } },
    "$.destination.brokers[0]",
    /host:port/,
  ],
  ["no brokers", { destination: { ...kafka, brokers: [] } }, "$.destination.brokers", /at least one broker/],
  [
    "a 311-character topic",
    { destination: { ...kafka, topic: "t".repeat(311) } },
    "$.destination.topic",
    /1-249/,
  ],
  [
    "a topic with a space",
    { destination: { ...kafka, topic: "my topic" } },
    "$.destination.topic",
    /Kafka topic name/,
  ],
  ["a topic named ..", { destination: { ...kafka, topic: ".." } }, "$.destination.topic", /cannot be named/],
  [
    "an invalid DDL topic",
    { destination: { ...kafka, ddlTopic: "ddl/topic" } },
    "$.destination.ddlTopic",
    /Kafka topic name/,
  ],
  [
    "a file:// registry",
    { destination: { ...kafka, schemaRegistryUrl: "file:///etc/passwd" } },
    "$.destination.schemaRegistryUrl",
    /http:\/\/ or https:\/\//,
  ],
  [
    "a javascript: registry",
    { destination: { ...kafka, schemaRegistryUrl: "javascript:alert(1)" } },
    "$.destination.schemaRegistryUrl",
    /http:\/\/ or https:\/\//,
  ],
  [
    "a registry with canal-json",
    { destination: { ...kafka, format: "canal-json", schemaRegistryUrl: "http://r:8081" } },
    "$.destination.schemaRegistryUrl",
    /only applies to format dts-avro/,
  ],
  [
    "an unknown format",
    { destination: { ...kafka, format: "protobuf" } },
    "$.destination.format",
    /canal-json|dts-avro/,
  ],
  [
    "partition keys without hash-pk",
    { destination: { ...kafka, partitionKeys: { "shop.t": ["id"] } } },
    "$.destination.partitionKeys",
    /only applies with partitionPolicy hash-pk/,
  ],
  [
    "a partition key without a database",
    { destination: { ...kafka, partitionPolicy: "hash-pk", partitionKeys: { orders: ["id"] } } },
    "$.destination.partitionKeys.orders",
    /key: .*database\.table/,
  ],
  [
    "a partition key column with NUL",
    { destination: { ...kafka, partitionPolicy: "hash-pk", partitionKeys: { "shop.t": ["i\u0000d"] } } },
    "$.destination.partitionKeys",
    /NUL/,
  ],
  // ETL columns: a type, nothing else.
  [
    "a type with more clauses",
    addColumn({ type: "INT, DROP COLUMN status, ENGINE=BLACKHOLE" }),
    "$.etl.addColumns[0].type",
    /only a type is allowed here/,
  ],
  [
    "a type with an executable comment",
    addColumn({ type: "INT /*!50000 , DROP x */" }),
    "$.etl.addColumns[0].type",
    /only a type is allowed here/,
  ],
  [
    "a type with a DEFAULT",
    addColumn({ type: "VARCHAR(64) DEFAULT 'x'" }),
    "$.etl.addColumns[0].type",
    /NULL, DEFAULT and other clauses are not/,
  ],
  [
    "a type with a generated expression",
    addColumn({ type: "INT AS (id * 2)" }),
    "$.etl.addColumns[0].type",
    /only a type is allowed here/,
  ],
  ["an unknown type", addColumn({ type: "MONEY" }), "$.etl.addColumns[0].type", /not a column type/],
  [
    "a type with a semicolon",
    addColumn({ type: "INT; DROP TABLE t" }),
    "$.etl.addColumns[0].type",
    /only a type is allowed here/,
  ],
  [
    "an unknown character set",
    addColumn({ type: "VARCHAR(9) CHARACTER SET evil" }),
    "$.etl.addColumns[0].type",
    /character set must be one of/,
  ],
  [
    "a collation of another family",
    addColumn({ type: "VARCHAR(9) COLLATE x_y" }),
    "$.etl.addColumns[0].type",
    /collation must be/,
  ],
  ["a precision over 65", addColumn({ type: "DECIMAL(70,2)" }), "$.etl.addColumns[0].type", /over 65/],
  [
    "a scale over the precision",
    addColumn({ type: "DECIMAL(5,6)" }),
    "$.etl.addColumns[0].type",
    /larger than precision/,
  ],
  ["fractional seconds of 7", addColumn({ type: "DATETIME(7)" }), "$.etl.addColumns[0].type", /over 6/],
  ["a VARCHAR without length", addColumn({ type: "VARCHAR" }), "$.etl.addColumns[0].type", /needs a length/],
  [
    "an ENUM value with a backslash",
    addColumn({ type: "ENUM('a\\\\', 'b')" }),
    "$.etl.addColumns[0].type",
    /backslashes/,
  ],
  [
    "an unterminated ENUM value",
    addColumn({ type: "ENUM('a" }),
    "$.etl.addColumns[0].type",
    /does not read as a column type/,
  ],
  [
    "an added column's table without a database",
    addColumn({ table: "t" }),
    "$.etl.addColumns[0].table",
    /database\.table/,
  ],
  [
    "an added column's table with two dots",
    addColumn({ table: "a.b.c" }),
    "$.etl.addColumns[0].table",
    /backticks/,
  ],
  ["an added column named with NUL", addColumn({ name: "x\u0000" }), "$.etl.addColumns[0].name", /NUL/],
  ["an empty script", { etl: { script: "" } }, "$.etl.script", /must not be empty/],
  // Structure.
  [
    "JSON nested 100 levels deep",
    { objects: deep(100) },
    "$.objects[0][0][0]",
    /nested deeper than 32 levels/,
  ],
  ["a top-level array", [base], "$", /expected object/],
  ["null", null, "$", /expected object/],
  [
    "a __proto__ key",
    JSON.parse(`{"__proto__": {"admin": true}, "name": "x"}`),
    "$.__proto__",
    /unknown field/,
  ],
  [
    "migration types repeated",
    { migrationTypes: ["full", "full"] },
    "$.migrationTypes",
    /each migration type once/,
  ],
  [
    "an unknown migration type",
    { migrationTypes: ["everything"] },
    "$.migrationTypes[0]",
    /schema|full|incremental/,
  ],
  ["no objects", { objects: [] }, "$.objects", /at least one database/],
  [
    "an empty table list",
    { objects: [{ database: "shop", tables: [] }] },
    "$.objects[0].tables",
    /at least one table/,
  ],
  [
    "an empty DML list",
    { objects: [{ database: "shop", dml: [] }] },
    "$.objects[0].dml",
    /at least one of insert/,
  ],
  [
    "an unknown SQL SECURITY",
    { objects: [{ database: "shop", sqlSecurity: "root" }] },
    "$.objects[0].sqlSecurity",
    /invoker|definer/,
  ],
  ["a retry window of 5 minutes", { retryWindowMinutes: 5 }, "$.retryWindowMinutes", /between 10 and 1440/],
  ["parallelism 1000", { fullLoad: { parallelism: 1000 } }, "$.fullLoad.parallelism", /64/],
  ["chunks of one row", { fullLoad: { chunkRows: 1 } }, "$.fullLoad.chunkRows", /100/],
  ["chunks of 1000 bytes", { fullLoad: { chunkBytes: 1000 } }, "$.fullLoad.chunkBytes", /1 MiB.*64 MiB/],
  ["chunk bytes as text", { fullLoad: { chunkBytes: "64MB" } }, "$.fullLoad.chunkBytes", /number of bytes/],
  ["an unknown capitalization", { capitalization: "weird" }, "$.capitalization", /dts-default/],
  [
    "strict binlog retention as text",
    { precheck: { strictBinlogRetention: "yes" } },
    "$.precheck.strictBinlogRetention",
    /true or false/,
  ],
];

describe("bad specs: a clear refusal naming the field, never a secret or a stack trace", () => {
  it.each(cases)("%s", async (_label, overrides, path, fix) => {
    const spec =
      overrides !== null && typeof overrides === "object" && !Array.isArray(overrides)
        ? { ...base, ...overrides }
        : overrides;
    const outcome = await failure(() => loadTaskSpec(specFile(spec)));
    expectClearRefusal(outcome, { path, fix });
  });

  it("spec files that are not JSON say where, without quoting what is there", async () => {
    for (const text of [
      `{"source": {"password": ${PLANTED}}}`,
      `{"password": "${PLANTED}",}`,
      `{"x": "${PLANTED}`,
    ]) {
      const outcome = await failure(() => loadTaskSpec(specFile(text)));
      expectClearRefusal(outcome, { fix: /is not valid JSON: (unexpected|expected|unterminated)/i });
    }
  });

  it("JSON nested thousands of levels deep is refused before anything walks it", async () => {
    const deepText = `{"name": "x", "extra": ${"[".repeat(100_000)}"${PLANTED}"${"]".repeat(100_000)}}`;
    expectClearRefusal(await failure(() => loadTaskSpec(specFile(deepText))), {
      path: "$.extra[0][0]",
      fix: /nested deeper than 32 levels/,
    });
  });

  it("a missing file and an oversized one are refused with what to do", async () => {
    expectClearRefusal(await failure(() => loadTaskSpec("/nonexistent/spec.json")), {
      fix: /does not exist: pass the path of a task spec JSON file/,
    });
    const big = specFile(" ".repeat(5 * 1024 * 1024));
    expectClearRefusal(await failure(() => loadTaskSpec(big)), { fix: /over 4 MiB/ });
  });
});

describe("executions started from the Step Functions console", () => {
  it("are refused a spec with a password when deployed, as the API refuses it, before anything is stored", async () => {
    const { handler } = await import("#functions/precheck/handler.ts");
    const deployed = { DTS_REQUIRE_SECRET_ARNS: "true", DTS_SECRET_PREFIX: "dts/" };
    const outcome = await failure(() => handler({ spec: plantedSpec() }, deployed));
    expectClearRefusal(outcome, {
      path: "$.source.password",
      fix: /passwords do not go into specs in AWS.*passwordSecretArn/,
    });
  });
});
