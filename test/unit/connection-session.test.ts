import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FatalError } from "#core/errors.ts";
import { zongjiOptions } from "#core/incremental/binlog-reader.ts";
import { kafkajsOptions } from "#core/sinks/kafka/kafkajs-admin.ts";
import { registerDtsAvroSchema } from "#core/sinks/kafka/schema-registry.ts";
import { INSECURE_AUTH } from "#core/source/auth-plugins.ts";
import {
  DESTINATION_SQL_MODE,
  describeConnectionError,
  endpointConnectionOptions,
  SOURCE_SQL_MODE,
  sessionStatement,
} from "#core/source/connection.ts";
import { type MysqlEndpoint, mysqlEndpointSchema, tlsSchema } from "#core/spec/schema.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const base: MysqlEndpoint = { host: "db.example", port: 3307, user: "app", password: "pw" };

describe("every endpoint field reaches the connection options", () => {
  it("the spec's endpoint and TLS fields are the ones mapped here (a new field must be mapped too)", () => {
    expect(Object.keys(tlsSchema.shape).sort()).toEqual(["ca", "enabled", "rejectUnauthorized"]);
    expect(Object.keys(mysqlEndpointSchema.shape).sort()).toEqual([
      "host",
      "password",
      "passwordSecretArn",
      "port",
      "serverPublicKey",
      "tls",
      "user",
    ]);
  });

  it("maps address, account, TLS and the guarded auth plugins for mysql2", () => {
    const options = endpointConnectionOptions(
      { ...base, tls: { enabled: true, ca: CA, rejectUnauthorized: true } },
      "source",
      "resolved-pw",
    );
    expect(options).toMatchObject({ host: "db.example", port: 3307, user: "app", password: "resolved-pw" });
    expect(options.charset).toBe("utf8mb4_general_ci");
    expect(options.ssl).toEqual({ ca: CA, rejectUnauthorized: true, verifyIdentity: true });
    expect(Object.keys(options.authPlugins ?? {}).sort()).toEqual([
      "caching_sha2_password",
      "mysql_clear_password",
      "sha256_password",
    ]);
  });

  it("rejectUnauthorized false turns off both checks; tls disabled or absent means no TLS", () => {
    const loose = endpointConnectionOptions(
      { ...base, tls: { enabled: true, rejectUnauthorized: false } },
      "destination",
      "pw",
    );
    expect(loose.ssl).toEqual({ rejectUnauthorized: false, verifyIdentity: false });
    const off = endpointConnectionOptions(
      { ...base, tls: { enabled: false, ca: CA, rejectUnauthorized: true } },
      "source",
      "pw",
    );
    expect(off.ssl).toBeUndefined();
    expect(endpointConnectionOptions(base, "source", "pw").ssl).toBeUndefined();
  });

  it("the binlog reader's connections get the same TLS and auth plugins", () => {
    const endpoint: MysqlEndpoint = { ...base, tls: { enabled: true, ca: CA, rejectUnauthorized: true } };
    const options = zongjiOptions(endpoint, "pw");
    const shared = endpointConnectionOptions(endpoint, "source", "pw");
    expect(options).toMatchObject({ host: "db.example", port: 3307, user: "app", password: "pw" });
    expect(options.ssl).toEqual(shared.ssl);
    expect(Object.keys(options.authPlugins as object).sort()).toEqual(
      Object.keys(shared.authPlugins ?? {}).sort(),
    );
  });

  it("maps Kafka TLS and SASL for kafkajs", () => {
    const options = kafkajsOptions({
      brokers: ["k1:9093"],
      tls: { ca: CA, rejectUnauthorized: true },
      sasl: { username: "dts", password: "secret" },
      clientId: "dts-orders",
    });
    expect(options).toMatchObject({ brokers: ["k1:9093"], clientId: "dts-orders" });
    expect(options.ssl).toEqual({ ca: CA, rejectUnauthorized: true });
    expect(options.sasl).toEqual({ mechanism: "scram-sha-256", username: "dts", password: "secret" });
    expect(kafkajsOptions({ brokers: ["k1:9092"], tls: { rejectUnauthorized: false } }).ssl).toEqual({
      rejectUnauthorized: false,
    });
    const plain = kafkajsOptions({ brokers: ["k1:9092"] });
    expect(plain.ssl).toBe(false);
    expect(plain.sasl).toBeUndefined();
  });
});

describe("session settings", () => {
  const literalBreakers = ["NO_BACKSLASH_ESCAPES", "ANSI_QUOTES", "PIPES_AS_CONCAT", "ANSI", "ORACLE"];

  it("pins every setting in one statement per role", () => {
    for (const role of ["source", "destination"] as const) {
      const statement = sessionStatement(role);
      expect(statement.startsWith("SET NAMES utf8mb4 COLLATE utf8mb4_general_ci, ")).toBe(true);
      expect(statement).not.toContain(";");
      expect(statement).toContain("time_zone = '+00:00'");
      expect(statement).toContain("autocommit = 1");
      expect(statement).toContain("sql_select_limit = 18446744073709551615");
      expect(statement).toContain("sql_quote_show_create = 1");
    }
    expect(sessionStatement("source")).toContain(`sql_mode = '${SOURCE_SQL_MODE}'`);
    expect(sessionStatement("source")).toContain("net_write_timeout = 3600, net_read_timeout = 3600");
    expect(sessionStatement("destination")).toContain(`sql_mode = '${DESTINATION_SQL_MODE}'`);
    expect(sessionStatement("destination")).toContain("foreign_key_checks = 0");
  });

  it("no session mode changes how literals and quotes parse", () => {
    for (const mode of [SOURCE_SQL_MODE, DESTINATION_SQL_MODE])
      for (const flag of mode.split(",")) expect(literalBreakers).not.toContain(flag);
  });
});

describe("connection errors read well", () => {
  it("names the unsupported plugin, TLS problems and refused logins without a stack", () => {
    expect(
      describeConnectionError({
        code: "AUTH_SWITCH_PLUGIN_ERROR",
        message: "Server requests authentication using unknown plugin client_ed25519. See TODO",
      }),
    ).toBe(
      "the server asked for the authentication plugin client_ed25519, which dts does not support: give the account mysql_native_password or caching_sha2_password",
    );
    expect(describeConnectionError({ code: "HANDSHAKE_NO_SSL_SUPPORT" })).toContain(
      "the server does not offer it",
    );
    expect(describeConnectionError({ code: INSECURE_AUTH, message: "the server asked ..." })).toBe(
      "the server asked ...",
    );
  });
});

function certificate(): { key: string; cert: string } | undefined {
  try {
    const dir = mkdtempSync(join(tmpdir(), "dts-registry-"));
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"],
        ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        ...["-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`],
      ],
      { stdio: "ignore" },
    );
    return { key: readFileSync(`${dir}/key.pem`, "utf8"), cert: readFileSync(`${dir}/cert.pem`, "utf8") };
  } catch {
    return undefined;
  }
}

describe("schema registry over https", () => {
  const credentials = certificate();

  it.skipIf(!credentials)("trusts the configured CA, and refuses an unknown one for good", async () => {
    const tls = credentials as { key: string; cert: string };
    const server = createServer(tls, (request, response) => {
      request.resume();
      request.on("end", () => response.end(JSON.stringify({ id: 7 })));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `https://localhost:${(server.address() as { port: number }).port}`;
    try {
      expect(await registerDtsAvroSchema(url, "orders", { ca: tls.cert, rejectUnauthorized: true })).toBe(7);
      const error = await registerDtsAvroSchema(url, "orders").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FatalError);
      expect((error as Error).message).toContain("check the registry's certificate and destination.tls.ca");
    } finally {
      server.close();
    }
  });
});
