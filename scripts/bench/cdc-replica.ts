import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type mysql from "mysql2/promise";
import { DB, REPO, type Server, SOURCE, type SourcePosition, sleep, withConnection } from "./cdc-common.ts";

/**
 * The native replicas bench:cdc compares the tailer with: throwaway MariaDB servers
 * (scripts/stack/mariadb-instance.sh, the same settings as the stack's destination: no binlog,
 * innodb_flush_log_at_trx_commit=2) that replicate `<DB>` only (replicate_wild_do_table; the shared
 * source also carries other databases' traffic), one with 1 SQL thread, one with 4 optimistic
 * parallel threads. For each round a replica gets the source's `<DB>` as of a snapshot position
 * (mariadb-dump; nothing writes `<DB>` between the position and the dump) and is pointed there with
 * CHANGE MASTER TO ... MASTER_LOG_FILE/MASTER_LOG_POS, then started once the backlog is written.
 */
export interface Replica {
  label: string;
  short: string;
  name: string;
  server: Server;
  options: string[];
}

const replica = (label: string, short: string, port: number, options: string[]): Replica => ({
  label,
  short,
  name: `bench-cdc-${short}`,
  server: { ...SOURCE, port },
  options: [
    `--server-id=${port}`,
    "--skip-log-bin",
    "--skip-slave-start",
    `--replicate-wild-do-table=${DB}.%`,
    ...options,
  ],
});

export const REPLICAS: Replica[] = [
  replica("native replica, 1 SQL thread", "replica-1", 33081, ["--slave-parallel-threads=0"]),
  replica("native replica, 4 optimistic threads", "replica-4", 33082, [
    "--slave-parallel-threads=4",
    "--slave-parallel-mode=optimistic",
  ]),
];

const SCRIPT = join(REPO, "scripts/stack/mariadb-instance.sh");

export function startReplicas(): void {
  for (const r of REPLICAS)
    execFileSync("bash", [SCRIPT, "start", r.name, String(r.server.port), ...r.options], {
      stdio: ["ignore", "ignore", "inherit"],
    });
}

/** Stops the replicas and deletes their data (only the instances this benchmark starts). */
export function purgeReplicas(): void {
  for (const r of REPLICAS) {
    try {
      execFileSync("bash", [SCRIPT, "stop", r.name, "--purge"], { stdio: ["ignore", "ignore", "inherit"] });
    } catch (error) {
      console.error(`could not stop ${r.name}: ${(error as Error).message}`);
    }
  }
}

const client = (command: string, server: Server) =>
  `${command} --no-defaults --protocol=TCP -h${server.host} -P${server.port} -u${server.user}`;

/** Every replica gets `<DB>` as the source has it now and is pointed at `position` (not started). */
export async function loadSnapshot(position: SourcePosition): Promise<void> {
  const dump = join(tmpdir(), `bench-cdc-snapshot-${process.pid}.sql`);
  const env = { ...process.env, MYSQL_PWD: SOURCE.password };
  try {
    execFileSync(
      "bash",
      [
        "-c",
        `${client("mariadb-dump", SOURCE)} --single-transaction --skip-dump-date --databases ${DB} > '${dump}'`,
      ],
      { env, stdio: ["ignore", "ignore", "inherit"] },
    );
    for (const r of REPLICAS) {
      await withConnection(r.server, async (connection) => {
        await connection.query("STOP SLAVE");
        await connection.query("RESET SLAVE ALL");
        await connection.query(`DROP DATABASE IF EXISTS ${DB}`);
      });
      execFileSync("bash", ["-c", `${client("mariadb", r.server)} < '${dump}'`], {
        env: { ...process.env, MYSQL_PWD: r.server.password },
        stdio: ["ignore", "ignore", "inherit"],
      });
      await withConnection(r.server, (connection) =>
        connection.query(
          "CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_LOG_FILE = ?, MASTER_LOG_POS = ?, MASTER_USE_GTID = no",
          [SOURCE.host, SOURCE.port, SOURCE.user, SOURCE.password, position.file, position.position],
        ),
      );
    }
  } finally {
    rmSync(dump, { force: true });
  }
}

interface SlaveStatus {
  Slave_IO_Running: string;
  Slave_SQL_Running: string;
  Relay_Master_Log_File: string;
  Exec_Master_Log_Pos: number | string;
  Last_IO_Error: string;
  Last_SQL_Error: string;
}

async function slaveStatus(connection: mysql.Connection): Promise<SlaveStatus> {
  const [[status]] = (await connection.query("SHOW SLAVE STATUS")) as unknown as [[SlaveStatus]];
  return status;
}

/**
 * Starts the replica and times it until its SQL thread has executed the source's binlog up to
 * `target` (MASTER_POS_WAIT, confirmed with SHOW SLAVE STATUS); then stops it. Seconds.
 */
export async function drainReplica(
  r: Replica,
  target: SourcePosition,
  timeoutMs = 3_600_000,
): Promise<number> {
  return withConnection(r.server, async (connection) => {
    const started = performance.now();
    await connection.query("START SLAVE");
    for (;;) {
      const [[row]] = (await connection.query("SELECT MASTER_POS_WAIT(?, ?, 1) AS reached", [
        target.file,
        target.position,
      ])) as unknown as [[{ reached: number | null }]];
      if (row.reached !== null && Number(row.reached) >= 0) break;
      const status = await slaveStatus(connection);
      if (status.Last_SQL_Error || status.Last_IO_Error || status.Slave_SQL_Running === "No")
        throw new Error(
          `${r.name} stopped replicating: ${status.Last_SQL_Error || status.Last_IO_Error || "SQL thread not running"}`,
        );
      if (performance.now() - started > timeoutMs) throw new Error(`${r.name} did not catch up in time`);
      if (row.reached === null) await sleep(10);
    }
    const seconds = (performance.now() - started) / 1000;
    const status = await slaveStatus(connection);
    const file = (name: string) => Number(/\.(\d+)$/.exec(name)?.[1] ?? 0);
    const reached =
      file(status.Relay_Master_Log_File) > file(target.file) ||
      (status.Relay_Master_Log_File === target.file && Number(status.Exec_Master_Log_Pos) >= target.position);
    if (!reached)
      throw new Error(
        `${r.name}: MASTER_POS_WAIT returned but SHOW SLAVE STATUS says ${status.Relay_Master_Log_File}:${status.Exec_Master_Log_Pos} < ${target.file}:${target.position}`,
      );
    await connection.query("STOP SLAVE");
    return seconds;
  });
}
