import type mysql from "mysql2/promise";
import { DB, type Server, SOURCE, withConnection } from "./cdc-common.ts";

/** What a backlog writer wrote on the source. */
export interface Backlog {
  rowChanges: number;
  transactions: number;
  /** One line: the mix of changes. */
  detail: string;
}

/** A backlog shape of bench:cdc: its table (the one compared by checksum) and how it is written. */
export interface Shape {
  name: "oltp" | "big";
  title: string;
  table: string;
  /** The columns the checksum covers (all of the table's). */
  columns: string[];
  /** Creates `<DB>.<table>` with its initial rows on the source (the database exists). */
  create(source: mysql.Connection): Promise<void>;
  /** Writes the backlog on the source (while nothing consumes it). */
  write(): Promise<Backlog>;
}

/**
 * A new `<DB>` on the source with the table the steady-state measure writes (`live`) and the one
 * that marks the end of a backlog (`marker`); the shape's table comes next. `source` must allow multiple statements.
 */
export async function createDatabase(source: mysql.Connection): Promise<void> {
  await source.query(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB};
    CREATE TABLE ${DB}.live (id BIGINT NOT NULL PRIMARY KEY, k INT NOT NULL, c VARCHAR(100) NOT NULL,
      v DECIMAL(12,2) NOT NULL, at DATETIME(6) NOT NULL);
    CREATE TABLE ${DB}.marker (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, at DATETIME(6) NOT NULL)`);
}

/** Row count and a 64-bit hash of the table's rows (XOR of each row's MD5 prefix; NULLs are told apart). */
export interface Checksum {
  rows: number;
  hash: string;
}

export async function checksum(server: Server, shape: Shape): Promise<Checksum> {
  const fields = shape.columns.flatMap((column) => [column, `ISNULL(${column})`]).join(", ");
  return withConnection(server, async (connection) => {
    const [[row]] = (await connection.query(
      `SELECT COUNT(*) AS n, HEX(BIT_XOR(CAST(CONV(LEFT(MD5(CONCAT_WS('#', ${fields})), 16), 16, 10) AS UNSIGNED))) AS h FROM ${DB}.${shape.table}`,
    )) as unknown as [[{ n: number | string; h: string }]];
    return { rows: Number(row.n), hash: row.h.toLowerCase().padStart(16, "0") };
  });
}

/**
 * The big-transaction shape: an empty table, then `changes` row changes in 1,000-row transactions,
 * half inserts (INSERT ... SELECT from the sequence engine), half updates of those rows.
 */
export function bigShape(changes: number): Shape {
  const inserts = Math.ceil(changes / 2);
  const updates = changes - inserts;
  return {
    name: "big",
    title: `big transactions: ${changes.toLocaleString("en-US")} row changes, 1,000 per transaction`,
    table: "events",
    columns: ["id", "k", "c", "v", "at"],
    async create(source) {
      await source.query(`CREATE TABLE ${DB}.events (id BIGINT NOT NULL PRIMARY KEY, k INT NOT NULL,
        c VARCHAR(100) NOT NULL, v DECIMAL(12,2) NOT NULL, at DATETIME(6) NOT NULL)`);
    },
    async write() {
      let transactions = 0;
      await withConnection(SOURCE, async (source) => {
        for (let from = 1; from <= inserts; from += 1000, transactions++) {
          const to = Math.min(inserts, from + 999);
          await source.query(
            `INSERT INTO ${DB}.events SELECT seq, seq MOD 1000, CONCAT('event-', seq, '-', MD5(seq)), seq / 100, NOW(6) FROM ${DB}.seq_${from}_to_${to}`,
          );
        }
        for (let from = 1; from <= updates; from += 1000, transactions++) {
          const to = Math.min(updates, from + 999);
          await source.query(
            `UPDATE ${DB}.events SET v = v + 1, k = k + 1 WHERE id BETWEEN ${from} AND ${to}`,
          );
        }
      });
      return {
        rowChanges: changes,
        transactions,
        detail: `${inserts.toLocaleString("en-US")} inserts, ${updates.toLocaleString("en-US")} updates`,
      };
    },
  };
}
