import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import mysql from "mysql2/promise";

/** What the benchmarks' modules share: the stack's servers, bench:cdc's database, small helpers. */
export const REPO = fileURLToPath(new URL("../..", import.meta.url));
export const SOURCE = { host: "127.0.0.1", port: 33061, user: "root", password: "dts-root" };
export const DESTINATION = { ...SOURCE, port: 33062 };
export type Server = typeof SOURCE;
export const DB = "bench_cdc";

/** A position in the source's binlog (what SHOW MASTER STATUS says). */
export interface SourcePosition {
  file: string;
  position: number;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident set size of process `pid` in MB, 0 when it is gone. */
export function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) process `pid` used so far, in seconds; 0 when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** `dts <argv>` in the checkout; what it printed on stdout, also when it failed. */
export function dtsOutput(...argv: string[]): string {
  try {
    return execFileSync("node", ["bin/dts.js", ...argv], { cwd: REPO, encoding: "utf8" });
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? "");
  }
}

export async function withConnection<T>(
  server: Server,
  use: (connection: mysql.Connection) => Promise<T>,
): Promise<T> {
  const connection = await mysql.createConnection(server);
  try {
    return await use(connection);
  } finally {
    await connection.end();
  }
}

/** The source's current end of binlog. */
export async function sourcePosition(): Promise<SourcePosition> {
  return withConnection(SOURCE, async (connection) => {
    const [[row]] = (await connection.query("SHOW MASTER STATUS")) as unknown as [
      [{ File: string; Position: number | string }],
    ];
    return { file: row.File, position: Number(row.Position) };
  });
}

type BinlogEvent = { Event_type: string; End_log_pos: number | string; Info: string };

/**
 * Ends a backlog: commits one row into `<DB>.marker` and returns the source position right after
 * that transaction (its commit event's end, found by its GTID), the exact position a drainer has
 * to reach; the shared source's other traffic written after it is no drainer's concern.
 */
export async function markBacklogEnd(): Promise<SourcePosition> {
  const before = await sourcePosition();
  return withConnection(SOURCE, async (connection) => {
    await connection.query(`INSERT INTO ${DB}.marker (at) VALUES (NOW(6))`);
    const [[{ gtid }]] = (await connection.query("SELECT @@last_gtid AS gtid")) as unknown as [
      [{ gtid: string }],
    ];
    const after = await sourcePosition();
    const sequence = (file: string) => Number(/\.(\d+)$/.exec(file)?.[1] ?? 0);
    let file = before.file;
    let from = before.position;
    for (;;) {
      let inTransaction = false;
      for (let offset = 0; ; offset += 1000) {
        const [events] = (await connection.query(`SHOW BINLOG EVENTS IN ? FROM ? LIMIT ?, 1000`, [
          file,
          from,
          offset,
        ])) as unknown as [BinlogEvent[]];
        for (const event of events) {
          if (event.Event_type === "Gtid") inTransaction = `${event.Info} `.includes(`GTID ${gtid} `);
          else if (inTransaction && (event.Event_type === "Xid" || /^COMMIT/.test(event.Info)))
            return { file, position: Number(event.End_log_pos) };
        }
        if (events.length < 1000) break;
      }
      if (sequence(file) >= sequence(after.file))
        throw new Error(`the backlog's end (GTID ${gtid}) is not in the source's binlog`);
      file = file.replace(/\d+$/, (n) => String(Number(n) + 1).padStart(n.length, "0"));
      from = 4;
    }
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export const thousands = (n: number) => Math.round(n).toLocaleString("en-US");
