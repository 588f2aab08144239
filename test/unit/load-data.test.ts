import type { Connection } from "mysql2/promise";
import { describe, expect, it } from "vitest";
import {
  chooseWriteMethod,
  constantAssignment,
  hexLoadTarget,
  loadFieldExpression,
  loadFieldFor,
  loadLineExpression,
  loadStatement,
  loadTarget,
  refusesLoadData,
} from "#core/fullload/load-data.ts";

const column = (dataType: string, nullable = true) => ({ column: "`c`", dataType, nullable });
const ESCAPED = (bytes: string) =>
  `REPLACE(REPLACE(REPLACE(${bytes}, X'5C', X'5C5C'), X'09', X'5C74'), X'0A', X'5C6E')`;

/** A destination connection that answers `SELECT @@GLOBAL.local_infile` (or fails it). */
function destinationWith(localInfile: number | Error): Connection {
  return {
    query: async () => {
      if (localInfile instanceof Error) throw localInfile;
      return [[{ enabled: localInfile }], []];
    },
  } as unknown as Connection;
}

describe("LOAD DATA lines rendered by the source", () => {
  it("writes numbers as printed, FLOAT through its exact double, BIT as its integer, NULL as \\N", () => {
    expect(loadFieldExpression(column("bigint"))).toBe("IFNULL(`c`, X'5C4E')");
    expect(loadFieldExpression(column("decimal", false))).toBe("`c`");
    expect(loadFieldExpression(column("float", false))).toBe("`c` + 0E0");
    expect(loadFieldExpression(column("bit", false))).toBe("CAST(`c` AS UNSIGNED)");
    expect(loadFieldExpression(column("datetime", false))).toBe("CAST(`c` AS BINARY)");
  });

  it("escapes backslash, tab and newline in the raw bytes of text, binary and spatial values", () => {
    expect(loadFieldExpression(column("varchar", false))).toBe(ESCAPED("CAST(`c` AS BINARY)"));
    expect(loadFieldExpression(column("blob"))).toBe(`IFNULL(${ESCAPED("CAST(`c` AS BINARY)")}, X'5C4E')`);
    expect(loadFieldExpression(column("geometry", false))).toBe(ESCAPED("CAST(`c` AS BINARY)"));
    expect(loadFieldExpression(column("json", false))).toBe(
      ESCAPED("CAST(CAST(`c` AS CHAR CHARACTER SET utf8mb4) AS BINARY)"),
    );
  });

  it("joins the fields with tabs and ends the line with a newline, using no backslash in SQL literals", () => {
    const line = loadLineExpression([column("int", false), column("varchar", false)]);
    expect(line).toBe(`CONCAT(\`c\`, X'09', ${ESCAPED("CAST(`c` AS BINARY)")}, X'0A')`);
    expect(line).not.toContain("\\");
  });

  it("loads BIT columns through a variable and CAST, the others directly", () => {
    expect(loadTarget(["`a`", "`b`", "`c`"], ["int", "bit", "varchar"])).toBe(
      "(`a`, @bit1, `c`) SET `b` = CAST(@bit1 AS UNSIGNED)",
    );
    expect(loadTarget(["`a`"], ["int"])).toBe("(`a`)");
    expect(loadStatement("`d`.`t`", "(`a`)")).toBe(
      "LOAD DATA LOCAL INFILE 'dts-chunk' REPLACE INTO TABLE `d`.`t` CHARACTER SET binary FIELDS TERMINATED BY X'09' ESCAPED BY X'5C' LINES TERMINATED BY X'0A' (`a`)",
    );
  });
});

describe("LOAD DATA fields rendered in Node (ETL rows)", () => {
  it("escapes backslash, tab and newline in text and writes NULL as \\N", () => {
    const text = loadFieldFor("varchar");
    expect(text("plain")).toBe("plain");
    expect(text("a\\b\tc\nd")).toBe("a\\\\b\\tc\\nd");
    expect(text("\\N")).toBe("\\\\N");
    expect(text(null)).toBe("\\N");
    expect(text({ k: "v\n" })).toBe('{"k":"v\\\\n"}');
  });

  it("writes numbers as text and binary, BIT and spatial values as hex for UNHEX", () => {
    expect(loadFieldFor("bigint")(12345678901234567890n)).toBe("12345678901234567890");
    expect(loadFieldFor("double")(-0)).toBe("-0e0");
    expect(loadFieldFor("tinyint")(true)).toBe("1");
    expect(loadFieldFor("blob")(Buffer.from([0, 0x5c, 0xff]))).toBe("005cff");
    expect(loadFieldFor("bit")(Buffer.from([1]))).toBe("01");
    expect(loadFieldFor("varbinary")("é")).toBe("c3a9");
    expect(loadFieldFor("geometry")(null)).toBe("\\N");
    expect(hexLoadTarget(["`a`", "`b`"], ["int", "blob"])).toBe("(`a`, @hex1) SET `b` = UNHEX(@hex1)");
  });

  it("sets a column every line would carry the same field in once, as LOAD DATA reads that field", () => {
    const assigned = (dataType: string, value: unknown) => {
      const sql = constantAssignment("`d`", dataType, loadFieldFor(dataType)(value));
      const hex = /^`d` = CONVERT\(X'([0-9a-f]*)' USING utf8mb4\)$/.exec(sql)?.[1];
      return hex === undefined ? sql : Buffer.from(hex, "hex").toString("utf8");
    };
    expect(assigned("datetime", "2026-11-21 10:11:12")).toBe("2026-11-21 10:11:12");
    expect(assigned("varchar", "a\\b\tc\nd é")).toBe("a\\b\tc\nd é");
    expect(assigned("varchar", "\\N")).toBe("\\N"); // the text \N, not NULL
    expect(assigned("varchar", null)).toBe("`d` = NULL");
    expect(assigned("blob", Buffer.from([0, 0x5c, 0xff]))).toBe("`d` = X'005cff'");
    expect(hexLoadTarget(["`a`"], ["int"], ["`d` = NULL"])).toBe("(`a`) SET `d` = NULL");
  });
});

describe("choosing how a chunk is written", () => {
  it("loads where local_infile is on, inserts where it is off (MySQL 8's default) or unknown", async () => {
    expect(await chooseWriteMethod(destinationWith(1), false)).toBe("load");
    expect(await chooseWriteMethod(destinationWith(0), false)).toBe("insert");
    expect(await chooseWriteMethod(destinationWith(new Error("Unknown system variable")), false)).toBe(
      "insert",
    );
  });

  it("inserts under ignore-and-proceed, which keeps existing rows", async () => {
    expect(await chooseWriteMethod(destinationWith(1), true)).toBe("insert");
  });

  it("falls back to INSERTs on the errors of servers that refuse LOAD DATA LOCAL", () => {
    expect(refusesLoadData({ errno: 3948 })).toBe(true);
    expect(refusesLoadData({ errno: 1148 })).toBe(true);
    expect(refusesLoadData({ errno: 4166 })).toBe(true);
    expect(refusesLoadData({ errno: 1406 })).toBe(false);
    expect(refusesLoadData(new Error("connection lost"))).toBe(false);
  });
});
