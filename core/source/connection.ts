import mysql from "mysql2/promise";
import { resolvePassword } from "../adapters/secrets.ts";
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
