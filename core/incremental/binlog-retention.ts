import type { Connection, RowDataPacket } from "mysql2/promise";
import { binlogRetentionSeconds } from "../precheck/rules/binlog.ts";

/** The server variables that decide when binlogs are purged (MySQL 5.7/8.x, MariaDB). */
const RETENTION_VARIABLES = [
  "binlog_expire_logs_seconds",
  "expire_logs_days",
  "binlog_expire_logs_auto_purge",
];

/**
 * Seconds a binlog file is kept after its last write, as far as the source tells: Infinity when
 * it never purges them, undefined when it cannot be read (the metric is then left out).
 * Read once per connection (two small queries).
 *
 * MySQL 8: binlog_expire_logs_seconds (when not 0, else expire_logs_days; 8.0.29+
 * binlog_expire_logs_auto_purge=OFF turns purging off). MariaDB 10.6+: binlog_expire_logs_seconds
 * is expire_logs_days (fractional days) in seconds; older MariaDB: expire_logs_days. Amazon RDS
 * and Aurora purge by their own "binlog retention hours" (mysql.rds_show_configuration): when it
 * holds a number, the shorter of the two counts.
 */
export async function readBinlogRetention(source: Connection): Promise<number | undefined> {
  let seconds: number;
  try {
    const [rows] = await source.query<RowDataPacket[]>("SHOW GLOBAL VARIABLES WHERE Variable_name IN (?)", [
      RETENTION_VARIABLES,
    ]);
    const variables: Record<string, string> = {};
    for (const row of rows) variables[String(row.Variable_name).toLowerCase()] = String(row.Value);
    seconds = binlogRetentionSeconds(variables);
  } catch {
    return undefined;
  }
  const rdsHours = await rdsRetentionHours(source);
  return rdsHours === undefined ? seconds : Math.min(seconds, rdsHours * 3600);
}

/** RDS/Aurora's "binlog retention hours", when the procedure exists and holds a number. */
async function rdsRetentionHours(source: Connection): Promise<number | undefined> {
  try {
    // A CALL answers with its result sets and a status: the rows are the first set.
    const [results] = (await source.query("CALL mysql.rds_show_configuration")) as unknown as [unknown[]];
    const rows = (Array.isArray(results[0]) ? results[0] : results) as RowDataPacket[];
    const row = rows.find((r) => String(r.name).toLowerCase() === "binlog retention hours");
    const hours = Number(row?.value);
    return row?.value !== null && row?.value !== undefined && Number.isFinite(hours) ? hours : undefined;
  } catch {
    return undefined; // not RDS, or no right to call it
  }
}
