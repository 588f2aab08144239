import type { ConnectionOptions, SslOptions } from "mysql2";
import mysql from "mysql2/promise";
import { causedBy, connectWithSecret, SECRET_REFUSED } from "../adapters/secrets.ts";
import { FatalError, RetriableError } from "../errors.ts";
import type { MysqlEndpoint } from "../spec/schema.ts";
import { formatQuery } from "../sql/literals.ts";
import { guardedAuthPlugins, INSECURE_AUTH } from "./auth-plugins.ts";

/** Which side of the task an endpoint is: it names the spec fields in messages and picks the session. */
export type EndpointRole = "source" | "destination";

/**
 * Session settings for reading the source. A fixed mode keeps literal syntax standard whatever the
 * server's global sql_mode: no NO_BACKSLASH_ESCAPES (mysql2 renders `?` values with backslash
 * escapes), no ANSI_QUOTES / ANSI / PIPES_AS_CONCAT / ORACLE-style modes (they change how quotes
 * and operators parse and how SHOW CREATE quotes names), no PAD_CHAR_TO_FULL_LENGTH (CHAR values
 * as stored), no EMPTY_STRING_IS_NULL.
 */
export const SOURCE_SQL_MODE = "STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION";

/**
 * Session settings for writing the destination: zero dates and explicit zeros in AUTO_INCREMENT
 * columns are kept as the source has them, strict mode turns truncation into an error, and
 * foreign keys (not migrated) are not checked.
 */
export const DESTINATION_SQL_MODE = "STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION";

/**
 * The one statement run right after connecting: every session variable the project relies on,
 * pinned against odd server defaults (a global sql_mode, a skipped client character set handshake,
 * autocommit=0, a global sql_select_limit that would silently cut full-load reads, unquoted SHOW
 * CREATE output). Source sessions may be paused by backpressure while streaming a chunk: long
 * network timeouts. Destination sessions do not check foreign keys (they are not migrated).
 */
export function sessionStatement(role: EndpointRole): string {
  const settings = [
    "NAMES utf8mb4 COLLATE utf8mb4_general_ci",
    "time_zone = '+00:00'",
    `sql_mode = '${role === "source" ? SOURCE_SQL_MODE : DESTINATION_SQL_MODE}'`,
    "autocommit = 1",
    "sql_select_limit = 18446744073709551615",
    "sql_quote_show_create = 1",
    ...(role === "source"
      ? ["net_write_timeout = 3600", "net_read_timeout = 3600"]
      : ["foreign_key_checks = 0"]),
  ];
  return `SET ${settings.join(", ")}`;
}

/** mysql2's TLS options for an endpoint; a verified certificate must also name the host. */
export function mysqlSsl(tls: MysqlEndpoint["tls"]): SslOptions | undefined {
  if (!tls?.enabled) return undefined;
  return {
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    rejectUnauthorized: tls.rejectUnauthorized,
    verifyIdentity: tls.rejectUnauthorized,
  };
}

/**
 * Who to connect to and how to log in safely: address, account, TLS and the auth plugins that
 * never hand the password to a server that could read it. Shared by every mysql2 connection the
 * project opens (its own and the binlog reader's).
 */
export function endpointConnectionOptions(
  endpoint: MysqlEndpoint,
  role: EndpointRole,
  password: string,
): ConnectionOptions {
  const ssl = mysqlSsl(endpoint.tls);
  return {
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    password,
    charset: "utf8mb4_general_ci",
    ...(ssl ? { ssl } : {}),
    authPlugins: guardedAuthPlugins({ role, user: endpoint.user, serverPublicKey: endpoint.serverPublicKey }),
  };
}

/** Error code of a session whose settings the server refused. */
const SESSION_SETTINGS = "DTS_SESSION_SETTINGS";
const TLS_CODES = ["HANDSHAKE_SSL_ERROR", "HANDSHAKE_NO_SSL_SUPPORT"];

/** A destination endpoint carries its `type`; a source endpoint has none. */
function roleOf(endpoint: MysqlEndpoint): EndpointRole {
  return "type" in endpoint ? "destination" : "source";
}

/** A login the server refused (MySQL and MariaDB ER_ACCESS_DENIED_ERROR, 1045), however wrapped. */
export function isAccessDenied(error: unknown): boolean {
  return causedBy(error, (e) => e.code === "ER_ACCESS_DENIED_ERROR" || e.errno === 1045);
}

interface OpenOptions {
  database?: string;
  connectTimeoutMs?: number;
  role?: EndpointRole;
}

/**
 * Opens one connection with the session settings every phase relies on (UTC, utf8mb4, fixed
 * sql_mode). A password from a secret that the server refuses is fetched again once (rotated).
 */
export function openConnection(
  endpoint: MysqlEndpoint,
  options: OpenOptions = {},
): Promise<mysql.Connection> {
  return connectWithSecret(endpoint, (password) => connectOnce(endpoint, options, password), isAccessDenied);
}

async function connectOnce(
  endpoint: MysqlEndpoint,
  options: OpenOptions,
  password: string,
): Promise<mysql.Connection> {
  const role = options.role ?? roleOf(endpoint);
  const connection = await mysql.createConnection({
    ...endpointConnectionOptions(endpoint, role, password),
    database: options.database,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    timezone: "Z",
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    multipleStatements: false,
    // Statements without values are sent as they are (a 1 MiB INSERT costs ~1.5 ms to scan); values
    // become literals that do not depend on the session's sql_mode.
    queryFormat: (sql: string, values: unknown) =>
      values === undefined || (Array.isArray(values) && values.length === 0)
        ? sql
        : formatQuery(sql, Array.isArray(values) ? values : [values]),
  });
  try {
    await connection.query(sessionStatement(role));
  } catch (error) {
    connection.destroy();
    // A lost connection stays what it is (retriable); a statement the server rejected is named.
    const sqlMessage = (error as { sqlMessage?: string }).sqlMessage;
    if (sqlMessage === undefined) throw error;
    throw Object.assign(
      new Error(`the server refused the session settings dts relies on: ${sqlMessage}`, { cause: error }),
      { code: SESSION_SETTINGS },
    );
  }
  return connection;
}

/** A connection error in words a user can act on (never a stack trace or a password). */
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
    case "HANDSHAKE_NO_SSL_SUPPORT":
      return "TLS is enabled for this endpoint but the server does not offer it (turn TLS on in the server, or disable tls for the endpoint)";
    case "HANDSHAKE_SSL_ERROR":
      return `TLS handshake failed: ${e.message ?? ""} (check tls.ca and that the certificate names the host)`;
    case "AUTH_SWITCH_PLUGIN_ERROR":
    case "MYSQL_CLEAR_PASSWORD_NOT_ENABLED": {
      const plugin = /unknown plugin (\S+?)\.?(\s|$)/.exec(e.message ?? "")?.[1];
      return plugin
        ? `the server asked for the authentication plugin ${plugin}, which dts does not support: give the account mysql_native_password or caching_sha2_password`
        : `login failed: ${e.message ?? ""}`;
    }
    default:
      return e.sqlMessage ?? e.message ?? String(error);
  }
}

/** What to check after a failed login, by error code (the insecure-login message names its own fix). */
function connectionHint(role: EndpointRole, code: string): string {
  if (code === INSECURE_AUTH || code === SESSION_SETTINGS) return "";
  if (code === SECRET_REFUSED) return `; check ${role}.user and the secret ${role}.passwordSecretArn names`;
  if (TLS_CODES.includes(code)) return `; check ${role}.tls`;
  return `; check ${role}.user and ${role}.password`;
}

/** Opens a connection for a role; a failure says which endpoint and whether it is worth retrying. */
async function openFor(role: EndpointRole, endpoint: MysqlEndpoint): Promise<mysql.Connection> {
  try {
    return await openConnection(endpoint, { role });
  } catch (error) {
    const where = `${role} ${endpoint.user}@${endpoint.host}:${endpoint.port}`;
    const text = `cannot connect to the ${where}: ${describeConnectionError(error)}`;
    const code = (error as { code?: string }).code ?? "";
    if (
      ["ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH", "PROTOCOL_CONNECTION_LOST"].includes(code)
    ) {
      throw new RetriableError(text, { cause: error });
    }
    throw new FatalError(`${text}${connectionHint(role, code)}`, { cause: error });
  }
}

/** A destination session: DESTINATION_SQL_MODE, no foreign key checks (see sessionStatement). */
export async function openDestination(endpoint: MysqlEndpoint): Promise<mysql.Connection> {
  return openFor("destination", endpoint);
}

/** A source session: SOURCE_SQL_MODE and long network timeouts (see sessionStatement). */
export async function openSource(endpoint: MysqlEndpoint): Promise<mysql.Connection> {
  return openFor("source", endpoint);
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
