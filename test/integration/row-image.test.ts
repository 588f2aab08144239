import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RowDecoding, ZongjiBinlogReader } from "#core/incremental/binlog-reader.ts";
import type { BinlogPosition } from "#core/model/position.ts";
import type { SourceTransaction } from "#core/model/row.ts";
import { STACK, sql } from "../support/stack.ts";

// The tailer decodes rows events itself (core/incremental/row-image.ts) and leaves to ZongJi only
// the column types it does not read. The same binlog, read by both, must give the same values.
const DB = "row_image";
const endpoint = { ...STACK.source };

const TABLES = [
  `CREATE TABLE ${DB}.own (id INT NOT NULL PRIMARY KEY,
    t TINYINT, tu TINYINT UNSIGNED, s SMALLINT, su SMALLINT UNSIGNED, m MEDIUMINT, mu MEDIUMINT UNSIGNED,
    i INT, iu INT UNSIGNED, b BIGINT, bu BIGINT UNSIGNED,
    d0 DECIMAL(10,0), d1 DECIMAL(5,5), d2 DECIMAL(14,4), d3 DECIMAL(65,30), d4 DECIMAL(19,9) UNSIGNED,
    f FLOAT, g DOUBLE,
    dt DATE, dtm0 DATETIME, dtm3 DATETIME(3), dtm6 DATETIME(6), ts0 TIMESTAMP NULL, ts1 TIMESTAMP(1) NULL,
    ts6 TIMESTAMP(6) NULL, tm0 TIME, tm1 TIME(1), tm6 TIME(6), y YEAR,
    c CHAR(10), v VARCHAR(300), tt TINYTEXT, tx TEXT, mt MEDIUMTEXT, l1 VARCHAR(20) CHARACTER SET latin1,
    a1 VARCHAR(10) CHARACTER SET ascii, u2 VARCHAR(10) CHARACTER SET ucs2,
    bin BINARY(4), vb VARBINARY(300), tb TINYBLOB, bl BLOB, mb MEDIUMBLOB, lb LONGBLOB,
    b1 BIT(1), b9 BIT(9), b64 BIT(64),
    e ENUM('a','b','c d', 'it''s'), st SET('x','y','z'), big_set SET('s1','s2','s3','s4','s5','s6','s7','s8','s9'),
    j JSON, \`__proto__\` VARCHAR(10), \`constructor\` INT)`,
  `CREATE TABLE ${DB}.left_to_zongji (id INT PRIMARY KEY, geo GEOMETRY, u UUID, n INET6, note VARCHAR(20))`,
];

const ROWS = `(1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
     -9223372036854775808, 18446744073709551615,
     -1234567890, -0.12345, -1234567890.1234, '-12345678901234567890123456789012345.123456789012345678901234567891',
     1234567890.123456789, 16777216, 1.0000000000000002,
     '2024-02-29', '2024-01-02 03:04:05', '1000-01-01 00:00:00.001', '9999-12-31 23:59:59.999999',
     '2038-01-19 03:14:07', '1970-01-01 00:00:01.5', '2024-06-30 23:59:59.999999',
     '-838:59:59', '-00:00:00.1', '838:59:59.999999', 2155,
     'fixed', CONCAT('emoji 🚀 𝄞 ', REPEAT('x', 280)), 'tiny', 'multi\\nline \\\\ and '' quote', REPEAT('long ', 4000),
     'café crème', 'plain', 'ŝ', 0x00FF0000, REPEAT(0xFF00, 150), 0x00, 0x0102, REPEAT(0xAB, 70000), REPEAT(0xCD, 10),
     b'1', b'100000001', b'1000000000000000000000000000000000000000000000000000000000000001',
     'it''s', 'x,z', 's1,s9', '{"k": [1, 2.5, "s"], "n": null}', 'proto', 7),
    (2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 9007199254740993,
     0, 0.00001, 0, '0.000000000000000000000000000001', 0, -0.1, 5e-324,
     '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00.000', '2000-02-29 12:00:00.000001',
     '1970-01-01 00:00:01', '2001-01-01 00:00:00.0', '2024-01-01 00:00:00.000001',
     '00:00:00', '12:34:56.7', '-12:00:00.000001', 1901,
     '', '', '', '', '', '', '', '', 0x00000000, '', '', '', '', '',
     b'0', b'0', b'0', 'a', '', '', '[]', '', -1),
    (3, ${Array.from({ length: 51 }, () => "NULL").join(", ")}),
    (4, 0, 1, 0, 1, 0, 1, 0, 1, -9007199254740993, 9223372036854775808,
     9999999999, 0.99999, 9999999999.9999, '99999999999999999999999999999999999.999999999999999999999999999999',
     0.000000001, 3.4e38, -1.7976931348623157e308,
     '9999-12-31', '9999-12-31 23:59:59', '2024-01-01 00:00:00.999', '1970-01-01 00:00:00.000000',
     NULL, '2038-01-19 03:14:07.9', '1999-12-31 23:59:59.123456',
     '-00:00:01', '-838:59:58.9', '-00:00:00.000001', 0,
     'x', 'ＦＵＬＬＷＩＤＴＨ', '🚀', 'ÿ', 'z', 'ÿ', '~', '€', 0x7F, 0xFFFFFFFF, 0xFF, 0x00FF, 0x00, 0x00,
     b'1', b'111111111', b'1111111111111111111111111111111111111111111111111111111111111111',
     'c d', 'x,y,z', 's1,s2,s3,s4,s5,s6,s7,s8,s9', '{"deep": {"a": "🚀"}}', NULL, NULL)`;

async function masterPosition(): Promise<BinlogPosition> {
  const [rows] = (await sql(STACK.source.port, ["SHOW MASTER STATUS"])) as RowDataPacket[][];
  return { file: String(rows?.[0]?.File), position: Number(rows?.[0]?.Position) };
}

/** The transactions of the binlog from `from` to `to`, as a reader decoding rows `decoding` gives them. */
async function read(
  decoding: RowDecoding,
  from: BinlogPosition,
  to: BinlogPosition,
): Promise<{ transactions: Omit<SourceTransaction, "timestamp">[]; decodedHere: number }> {
  const reader = new ZongjiBinlogReader(endpoint, [DB], 5_000_000 + (decoding === "own" ? 1 : 2), decoding);
  const read: SourceTransaction[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      reader
        .start(
          from,
          (tx) => {
            if (tx.idle) return;
            read.push(tx);
            if (tx.position.file === to.file && tx.position.position >= to.position) resolve();
          },
          reject,
        )
        .catch(reject);
    });
  } finally {
    await reader.stop();
  }
  return {
    transactions: read.map(({ timestamp: _, ...tx }) => tx),
    decodedHere: reader.rowsEventsDecodedHere,
  };
}

let from: BinlogPosition;
let to: BinlogPosition;

beforeAll(async () => {
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS ${DB}`,
    `CREATE DATABASE ${DB} CHARACTER SET utf8mb4`,
  ]);
  from = await masterPosition();
  await sql(STACK.source.port, [
    ...TABLES,
    "SET SESSION sql_mode = ''",
    "SET SESSION time_zone = '+00:00'",
    `INSERT INTO ${DB}.own VALUES ${ROWS}`,
    `UPDATE ${DB}.own SET id = id + 10, v = CONCAT(v, '!'), d2 = -d2, dtm6 = NULL, tm6 = '01:02:03.4' WHERE id <= 2`,
    `UPDATE ${DB}.own SET t = NULL, e = 'b', st = 'y', \`__proto__\` = 'changed' WHERE id = 4`,
    `DELETE FROM ${DB}.own WHERE id IN (3, 11)`,
    `INSERT INTO ${DB}.left_to_zongji VALUES (1, ST_GeomFromText('POINT(1 2)'), UUID(), '::ffff:1.2.3.4', 'n'), (2, NULL, NULL, NULL, NULL)`,
    `UPDATE ${DB}.left_to_zongji SET note = 'm'`,
    "START TRANSACTION",
    ...Array.from(
      { length: 50 },
      (_, i) => `INSERT INTO ${DB}.own (id, v, dtm6) VALUES (${100 + i}, 'r${i}', NOW(6))`,
    ),
    `UPDATE ${DB}.own SET v = CONCAT(v, '+') WHERE id >= 100`,
    "COMMIT",
    `CREATE TABLE ${DB}.marker (id INT PRIMARY KEY)`,
  ]);
  to = await masterPosition();
}, 60_000);

afterAll(async () => {
  await sql(STACK.source.port, [`DROP DATABASE IF EXISTS ${DB}`]);
});

describe("the tailer's own rows decoding", () => {
  it("gives every row change of the binlog exactly as ZongJi decodes it, for every type it reads", async () => {
    const { transactions: own, decodedHere } = await read("own", from, to);
    const { transactions: zongji, decodedHere: none } = await read("zongji", from, to);
    // Every rows event of `own` (at least one per statement: the server splits big ones), none of
    // the table with types left to ZongJi.
    expect(decodedHere).toBeGreaterThanOrEqual(4 + 50 + 1);
    expect(none).toBe(0);
    const changes = own.flatMap((tx) => tx.changes);
    expect(changes.length).toBe(4 + 2 + 1 + 2 + 2 + 2 + 50 + 50);
    expect(own).toEqual(zongji);
    for (const [i, change] of changes.entries()) {
      const other = zongji.flatMap((tx) => tx.changes)[i];
      expect(Object.keys(change.after ?? change.before ?? {})).toEqual(
        Object.keys(other?.after ?? other?.before ?? {}),
      );
    }
    const proto = changes.find((c) => c.op === "update" && c.after?.id === 4);
    expect(Object.getPrototypeOf(proto?.after)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(proto?.after, "__proto__")?.value).toBe("changed");
  }, 60_000);
});
