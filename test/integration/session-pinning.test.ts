import type { Connection as CallbackConnection } from "mysql2";
import type { RowDataPacket } from "mysql2/promise";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZongjiBinlogReader } from "#core/incremental/binlog-reader.ts";
import {
  DESTINATION_SQL_MODE,
  openDestination,
  openSource,
  SOURCE_SQL_MODE,
} from "#core/source/connection.ts";
import type { MysqlEndpoint } from "#core/spec/schema.ts";
import { STACK, sql, startMariadb } from "../support/stack.ts";

// A source whose defaults break literal parsing: backslashes are not escapes, double quotes name
// identifiers, the client's character set is ignored (latin1), and init_connect (run for accounts
// without SUPER) turns autocommit off and limits every SELECT to one row.
const PORT = 33091;
const HOSTILE = "x\\' OR 1=1 -- ";
const SERVER_OPTIONS = [
  "--sql-mode=NO_BACKSLASH_ESCAPES,ANSI_QUOTES,PIPES_AS_CONCAT",
  "--character-set-client-handshake=0",
  "--character-set-server=latin1",
  "--collation-server=latin1_swedish_ci",
  "--init-connect=SET SESSION sql_mode='NO_BACKSLASH_ESCAPES,ANSI_QUOTES', autocommit=0, sql_select_limit=1",
];
const account = { host: "127.0.0.1", port: PORT, user: "pin_user", password: "pin-pass" };
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  stop = await startMariadb("pinning", PORT, SERVER_OPTIONS);
  // root's sessions run with the server's sql_mode: '' escapes a quote, a backslash is itself.
  await sql(PORT, [
    "DROP DATABASE IF EXISTS pin_db",
    "CREATE DATABASE pin_db",
    "CREATE TABLE pin_db.t (k VARCHAR(40) CHARACTER SET utf8mb4 PRIMARY KEY)",
    "INSERT INTO pin_db.t VALUES ('a'), ('b'), ('x\\'' OR 1=1 -- ')",
    "CREATE OR REPLACE USER 'pin_user'@'%' IDENTIFIED BY 'pin-pass'",
    "GRANT SELECT, INSERT, CREATE, DROP ON pin_db.* TO 'pin_user'@'%'",
    "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'pin_user'@'%'",
  ]);
});

afterAll(async () => {
  await stop?.();
});

async function session(connection: { query: mysql.Connection["query"] }): Promise<Record<string, unknown>> {
  const [[row]] = await connection.query<RowDataPacket[]>(
    "SELECT @@SESSION.sql_mode AS sql_mode, @@SESSION.time_zone AS time_zone, @@SESSION.autocommit AS autocommit, " +
      "@@SESSION.sql_select_limit AS sql_select_limit, @@SESSION.sql_quote_show_create AS quote, " +
      "@@SESSION.character_set_client AS cs_client, @@SESSION.character_set_connection AS cs_connection, " +
      "@@SESSION.character_set_results AS cs_results, @@SESSION.collation_connection AS collation, " +
      "@@SESSION.foreign_key_checks AS fk",
  );
  // The server lists sql_mode flags in its own order.
  return { ...row, sql_mode: modes(String(row?.sql_mode)) };
}

const modes = (sqlMode: string) => sqlMode.split(",").sort().join(",");

const pinned = {
  time_zone: "+00:00",
  autocommit: "1",
  sql_select_limit: "18446744073709551615",
  quote: "1",
  cs_client: "utf8mb4",
  cs_connection: "utf8mb4",
  cs_results: "utf8mb4",
  collation: "utf8mb4_general_ci",
};

describe("every session is pinned, whatever the server's defaults", () => {
  it("the setup is hostile: an unpinned session lets a bound value break out of its literal", async () => {
    const raw = await mysql.createConnection({ ...account, multipleStatements: false });
    try {
      const [rows] = await raw.query<RowDataPacket[]>("SELECT k FROM pin_db.t WHERE k = ?", [HOSTILE]);
      // sql_select_limit=1 from init_connect hides the other two rows the injected OR matched.
      expect(rows.length).toBe(1);
      expect(rows[0]?.k).not.toBe(HOSTILE);
      expect((await session(raw)).sql_mode).toContain("NO_BACKSLASH_ESCAPES");
    } finally {
      await raw.end();
    }
  });

  it("source sessions: fixed sql_mode, utf8mb4, UTC, autocommit, no row limit", async () => {
    const source = await openSource(account);
    try {
      expect(await session(source)).toMatchObject({ ...pinned, sql_mode: modes(SOURCE_SQL_MODE) });
      for (const value of [HOSTILE, `a"b\\`, "🎉 utf8mb4 ünï", "nul\0byte", "''\\\\''"]) {
        const [[row]] = await source.query<RowDataPacket[]>("SELECT ? AS v", [value]);
        expect(row?.v).toBe(value);
      }
      const [matches] = await source.query<RowDataPacket[]>("SELECT k FROM pin_db.t WHERE k = ?", [HOSTILE]);
      expect(matches.map((r) => r.k)).toEqual([HOSTILE]);
      const [all] = await source.query<RowDataPacket[]>("SELECT k FROM pin_db.t ORDER BY k");
      expect(all.length).toBe(3);
      const [[create]] = await source.query<RowDataPacket[]>("SHOW CREATE TABLE pin_db.t");
      expect(create?.["Create Table"]).toMatch(/^CREATE TABLE `t` \(\n {2}`k` varchar\(40\)/);
    } finally {
      await source.end();
    }
  });

  it("destination sessions: the destination sql_mode, no foreign key checks", async () => {
    const destination = await openDestination({ ...account, type: "mysql" } as MysqlEndpoint);
    try {
      expect(await session(destination)).toMatchObject({
        ...pinned,
        sql_mode: modes(DESTINATION_SQL_MODE),
        fk: "0",
      });
      const [[row]] = await destination.query<RowDataPacket[]>("SELECT ? AS v", [HOSTILE]);
      expect(row?.v).toBe(HOSTILE);
    } finally {
      await destination.end();
    }
  });

  it("the binlog reader's control session is pinned before it looks up columns", async () => {
    const [status] = (await sql(PORT, ["SHOW MASTER STATUS"])) as { File: string; Position: number }[][];
    const from = { file: status?.[0]?.File ?? "", position: Number(status?.[0]?.Position ?? 4) };
    const reader = new ZongjiBinlogReader(account, ["pin_db"], 91_091);
    try {
      await reader.start(
        from,
        () => undefined,
        () => undefined,
      );
      const control = (reader as unknown as { zongji: { ctrlConnection: CallbackConnection } }).zongji
        .ctrlConnection;
      const settings = await session(control.promise());
      expect(settings).toMatchObject({ ...pinned, sql_mode: modes(SOURCE_SQL_MODE) });
    } finally {
      await reader.stop();
    }
  });

  it("mysql_native_password logins to the local stack still work", async () => {
    const source = await openSource(STACK.source);
    try {
      expect(await session(source)).toMatchObject({ ...pinned, sql_mode: modes(SOURCE_SQL_MODE) });
    } finally {
      await source.end();
    }
  });
});

describe("literals the project writes read the same under any sql_mode", () => {
  it("quoteText and bound values round-trip under NO_BACKSLASH_ESCAPES, ANSI_QUOTES and the default mode", async () => {
    const { quoteText, valueLiteral } = await import("#core/sql/literals.ts");
    const texts = [
      HOSTILE,
      "a\\",
      "\\'",
      "it's",
      '"q"',
      "nul\u0000byte",
      "ctrl-z\u001a",
      "é😀",
      "",
      "\\\\%_",
    ];
    const connection = await mysql.createConnection({ ...STACK.source, charset: "utf8mb4_general_ci" });
    try {
      for (const mode of ["NO_BACKSLASH_ESCAPES,ANSI_QUOTES", "", "ANSI"]) {
        await connection.query(`SET SESSION sql_mode = '${mode}'`);
        for (const text of texts) {
          const [[row]] = await connection.query<RowDataPacket[]>(
            `SELECT ${quoteText(text)} AS a, ${valueLiteral([text])} AS b, CHAR_LENGTH(${quoteText(text)}) AS n`,
          );
          expect([row?.a, row?.b, Number(row?.n)], `${mode}: ${JSON.stringify(text)}`).toEqual([
            text,
            text,
            [...text].length,
          ]);
        }
      }
    } finally {
      await connection.end();
    }
  });
});
