import type { RowDataPacket } from "mysql2/promise";
import { readBinlogRetention } from "../incremental/binlog-retention.ts";
import { readCatalog } from "../source/catalog-reader.ts";
import { describeConnectionError, openConnection } from "../source/connection.ts";
import { detectServerVersion } from "../source/flavour.ts";
import type { MysqlEndpoint } from "../spec/schema.ts";
import type { MysqlDestinationFacts, SourceFacts, Unreachable } from "./types.ts";

const VARIABLES = [
  "log_bin",
  "binlog_format",
  "binlog_row_image",
  "expire_logs_days",
  "binlog_expire_logs_seconds",
  "binlog_expire_logs_auto_purge",
  "gtid_mode",
  "server_id",
  "lower_case_table_names",
  "binlog_row_metadata",
];

async function withConnection<T>(
  endpoint: MysqlEndpoint,
  work: (c: Awaited<ReturnType<typeof openConnection>>) => Promise<T>,
): Promise<T | Unreachable> {
  let connection: Awaited<ReturnType<typeof openConnection>>;
  try {
    connection = await openConnection(endpoint);
  } catch (error) {
    return { ok: false, error: describeConnectionError(error) };
  }
  try {
    return await work(connection);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

async function serverAndGrants(connection: Awaited<ReturnType<typeof openConnection>>) {
  const [[versionRow]] = await connection.query<RowDataPacket[]>(
    "SELECT @@version AS version, @@version_comment AS comment",
  );
  const server = detectServerVersion(String(versionRow?.version ?? ""), String(versionRow?.comment ?? ""));
  const [grantRows] = await connection.query<RowDataPacket[]>("SHOW GRANTS");
  const grants = grantRows.map((row) => String(Object.values(row)[0]));
  return { server, grants };
}

/** Source facts for precheck: server, binlog settings, grants, catalog of the selected databases. */
export function inspectMysqlSource(
  endpoint: MysqlEndpoint,
  databases: string[],
): Promise<SourceFacts | Unreachable> {
  return withConnection(endpoint, async (connection) => {
    const { server, grants } = await serverAndGrants(connection);
    const [variableRows] = await connection.query<RowDataPacket[]>(
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN (?)",
      [VARIABLES],
    );
    const variables: Record<string, string> = {};
    for (const row of variableRows) variables[String(row.Variable_name).toLowerCase()] = String(row.Value);
    const catalog = await readCatalog(connection, databases);
    // Reads RDS's own retention too, which the variables do not show.
    const binlogRetentionSeconds = await readBinlogRetention(connection);
    return { ok: true as const, server, variables, grants, catalog, binlogRetentionSeconds };
  });
}

/** Destination facts for precheck: grants, existing databases, existing tables in `databases`. */
export function inspectMysqlDestination(
  endpoint: MysqlEndpoint,
  databases: string[],
): Promise<MysqlDestinationFacts | Unreachable> {
  return withConnection(endpoint, async (connection) => {
    const { server, grants } = await serverAndGrants(connection);
    const [schemata] = await connection.query<RowDataPacket[]>(
      "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA",
    );
    const [tables] = await connection.query<RowDataPacket[]>(
      "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?)",
      [databases.length > 0 ? databases : [""]],
    );
    const localInfile = await connection
      .query<RowDataPacket[]>("SELECT @@GLOBAL.local_infile AS enabled")
      .then(([rows]) => Number(rows[0]?.enabled) === 1)
      .catch(() => undefined);
    return {
      ok: true as const,
      kind: "mysql" as const,
      server,
      grants,
      databases: schemata.map((r) => String(r.name)),
      tables: tables.map((r) => `${String(r.db)}.${String(r.name)}`),
      localInfile,
    };
  });
}
