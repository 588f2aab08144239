import mysql from "mysql2/promise";
import { resolvePassword } from "../adapters/secrets.ts";
import { FatalError, RetriableError } from "../errors.ts";
import type { MysqlEndpoint } from "../spec/schema.ts";

/** Opens one connection with the session settings every phase relies on (UTC, utf8mb4, strict). */
export async function openConnection(
  endpoint: MysqlEndpoint,
  options: { database?: string; connectTimeoutMs?: number } = {},
): Promise<mysql.Connection> {
  const connection = await mysql.createConnection({
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    password: await resolvePassword(endpoint),
    database: options.database,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    charset: "utf8mb4_general_ci",
    timezone: "Z",
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    multipleStatements: false,
    // Skip mysql2's placeholder scan of statements without values: a 1 MiB INSERT costs ~1.5 ms to scan.
    queryFormat: (sql: string, values: unknown) =>
      values === undefined || (Array.isArray(values) && values.length === 0)
        ? sql
        : mysql.format(sql, values as Parameters<typeof mysql.format>[1], false, "Z"),
    ssl: endpoint.tls?.enabled
      ? { ca: endpoint.tls.ca, rejectUnauthorized: endpoint.tls.rejectUnauthorized }
      : undefined,
  });
  await connection.query("SET time_zone = '+00:00'");
  return connection;
}

/** A connection error in words a user can act on. */
export function describeConnectionError(error: unknown): string {
  const e = error as { code?: string; message?: string; sqlMessage?: string };
  switch (e.code) {
    case "ECONNREFUSED":
      return "connection refused (is the server running and listening on that port?)";
    case "ETIMEDOUT":
      return "connection timed out (check the host, port and network path)";
    case "ENOTFOUND":
      return "host name not found";
    case "ER_ACCESS_DENIED_ERROR":
      return `access denied: ${e.sqlMessage ?? "wrong user or password"}`;
    case "ER_DBACCESS_DENIED_ERROR":
      return `access denied: ${e.sqlMessage ?? ""}`;
    case "HANDSHAKE_SSL_ERROR":
    case "HANDSHAKE_NO_SSL_SUPPORT":
      return `TLS handshake failed: ${e.message ?? ""}`;
    default:
      return e.sqlMessage ?? e.message ?? String(error);
  }
}

/**
 * Session settings for writing the destination: zero dates and explicit zeros in AUTO_INCREMENT
 * columns are kept as the source has them, strict mode turns truncation into an error, and
 * foreign keys (not migrated) are not checked.
 */
export const DESTINATION_SQL_MODE = "STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION";

/** Opens a connection for a role; a failure says which endpoint and whether it is worth retrying. */
async function openFor(role: "source" | "destination", endpoint: MysqlEndpoint): Promise<mysql.Connection> {
  try {
    return await openConnection(endpoint);
  } catch (error) {
    const where = `${role} ${endpoint.user}@${endpoint.host}:${endpoint.port}`;
    const text = `cannot connect to the ${where}: ${describeConnectionError(error)}`;
    const code = (error as { code?: string }).code ?? "";
    if (
      ["ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH", "PROTOCOL_CONNECTION_LOST"].includes(code)
    ) {
      throw new RetriableError(text, { cause: error });
    }
    throw new FatalError(`${text}; check ${role}.user and ${role}.password`, { cause: error });
  }
}

export async function openDestination(endpoint: MysqlEndpoint): Promise<mysql.Connection> {
  const connection = await openFor("destination", endpoint);
  await connection.query(`SET SESSION sql_mode = '${DESTINATION_SQL_MODE}', foreign_key_checks = 0`);
  return connection;
}

/** Source sessions may be paused by backpressure while streaming a chunk: allow long writes. */
export async function openSource(endpoint: MysqlEndpoint): Promise<mysql.Connection> {
  const connection = await openFor("source", endpoint);
  await connection.query("SET SESSION net_write_timeout = 3600, net_read_timeout = 3600");
  return connection;
}

/** Runs `work` with an open connection and always closes it. */
export async function withConnections<T>(
  opens: (() => Promise<mysql.Connection>)[],
  work: (...connections: mysql.Connection[]) => Promise<T>,
): Promise<T> {
  const connections: mysql.Connection[] = [];
  try {
    for (const open of opens) connections.push(await open());
    return await work(...connections);
  } finally {
    await Promise.all(connections.map((c) => c.end().catch(() => undefined)));
  }
}
