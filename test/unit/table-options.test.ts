import { describe, expect, it } from "vitest";
import {
  checkTableOptions,
  readTableOptions,
  SAFE_ENGINES,
  tableOptionProblem,
} from "#core/sql/table-options.ts";
import { tokenize } from "#core/sql/tokens.ts";

function problem(text: string): string | undefined {
  const checked = checkTableOptions(text);
  return checked.ok ? undefined : checked.problem;
}

describe("table options", () => {
  it("passes the options of ordinary tables on unchanged", () => {
    for (const text of [
      " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='orders'",
      " ENGINE=Aria DEFAULT CHARSET=utf8mb4 MIN_ROWS=1 MAX_ROWS=100 PACK_KEYS=1 STATS_PERSISTENT=0 CHECKSUM=1 PAGE_CHECKSUM=1 ROW_FORMAT=PAGE TRANSACTIONAL=1",
      " ENGINE = InnoDB DEFAULT CHARACTER SET = latin1 PAGE_COMPRESSED=1 KEY_BLOCK_SIZE=8 ENCRYPTED=YES",
      " ENGINE=MyISAM, DEFAULT CHARSET=utf8mb4 WITH SYSTEM VERSIONING",
      " ENGINE=MEMORY",
      "",
    ]) {
      expect(checkTableOptions(text)).toMatchObject({ ok: true, sql: text });
    }
  });

  it("refuses options that reach another server, other files or other tables", () => {
    expect(problem(" ENGINE=FEDERATED CONNECTION='mysql://u:pw@h/db/t'")).toMatch(/^ENGINE=FEDERATED: /);
    const connection = problem(" ENGINE=InnoDB CONNECTION='mysql://u:pw@h/db/t'");
    expect(connection).toBe("CONNECTION: the table would read and write another server");
    expect(problem(" ENGINE=CONNECT TABLE_TYPE=CSV FILE_NAME='/etc/passwd'")).toMatch(/^ENGINE=CONNECT/);
    expect(problem(' ENGINE=SPIDER COMMENT=\'wrapper "mysql", srv "b"\'')).toMatch(/^ENGINE=SPIDER/);
    expect(problem(" ENGINE=BLACKHOLE")).toMatch(/^ENGINE=BLACKHOLE/);
    expect(problem(" ENGINE=InnoDB UNION=(`other`.`t`)")).toMatch(/^UNION: .*other databases/);
    expect(problem(" ENGINE=MyISAM DATA DIRECTORY='/srv/x'")).toMatch(/^DATA DIRECTORY: /);
    expect(problem(" ENGINE=MyISAM INDEX DIRECTORY = '/srv/x'")).toMatch(/^INDEX DIRECTORY: /);
    expect(problem(" /*!50100 TABLESPACE `ts1` */ ENGINE=InnoDB")).toMatch(/^TABLESPACE: /);
    expect(problem(" ENGINE=InnoDB `custom_attribute`=1")).toBe(
      "`custom_attribute`: not an option DTS creates tables with",
    );
  });

  it("reads every partition and subpartition, also inside executable comments", () => {
    const mariadb =
      " ENGINE=InnoDB\n PARTITION BY RANGE (`id`)\nSUBPARTITION BY HASH (`id`)\n(PARTITION `p0` VALUES LESS THAN (5)\n (SUBPARTITION `s0` DATA DIRECTORY = '/tmp' ENGINE = InnoDB,\n  SUBPARTITION `s1` ENGINE = InnoDB),\n PARTITION `p1` VALUES LESS THAN MAXVALUE\n (SUBPARTITION `s2` ENGINE = InnoDB,\n  SUBPARTITION `s3` ENGINE = InnoDB))";
    expect(problem(mariadb)).toMatch(/^DATA DIRECTORY of subpartition s0: /);
    const mysql =
      " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4\n/*!50100 PARTITION BY LIST (`id`)\n(PARTITION p0 VALUES IN (1,2) ENGINE = InnoDB,\n PARTITION p1 VALUES IN (3) INDEX DIRECTORY = '/x' ENGINE = InnoDB) */";
    expect(problem(mysql)).toMatch(/^INDEX DIRECTORY of partition p1: /);
    expect(problem(" ENGINE=InnoDB PARTITION BY KEY ALGORITHM = 2 (`id`) PARTITIONS 4")).toBeUndefined();
    expect(
      problem(" PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10) STORAGE ENGINE = FEDERATED)"),
    ).toMatch(/^ENGINE=FEDERATED of partition p0/);
    expect(problem(" PARTITION BY HASH (id) DATA DIRECTORY = '/x'")).toMatch(/cannot be read/);
  });

  it("is not fooled by option text inside strings and comments", () => {
    const text =
      " ENGINE=InnoDB COMMENT='DATA DIRECTORY=''/tmp'' CONNECTION=\\'x\\' ENGINE=FEDERATED' /* UNION=(a) */";
    expect(checkTableOptions(text)).toMatchObject({ ok: true, sql: text });
    expect(problem(" ENGINE=InnoDB COMMENT='unterminated")).toMatch(/cannot be read/);
  });

  it("leaves out the options asked for, and only those", () => {
    const checked = checkTableOptions(
      " ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4 COMMENT=' AUTO_INCREMENT=7'",
      ["AUTO_INCREMENT"],
    );
    expect(checked).toMatchObject({
      ok: true,
      sql: " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT=' AUTO_INCREMENT=7'",
    });
    expect(
      checkTableOptions("ENGINE=InnoDB, AUTO_INCREMENT=5, CHARSET=utf8", ["AUTO_INCREMENT"]),
    ).toMatchObject({
      sql: "ENGINE=InnoDB, CHARSET=utf8",
    });
    expect(checkTableOptions(" AUTO_INCREMENT=5, ENGINE=InnoDB", ["AUTO_INCREMENT"])).toMatchObject({
      sql: " ENGINE=InnoDB",
    });
  });

  it("checks options read from a replicated statement's tokens, or given by name and value", () => {
    const statement = "ALTER TABLE `shop`.`t` ENGINE=FEDERATED CONNECTION='mysql://h/db/t'";
    const tokens = tokenize(statement);
    const options = readTableOptions(tokens.slice(5), statement);
    expect(options.map((o) => [o.name, o.value, statement.slice(o.start, o.end)])).toEqual([
      ["ENGINE", "FEDERATED", "ENGINE=FEDERATED"],
      ["CONNECTION", "mysql://h/db/t", "CONNECTION='mysql://h/db/t'"],
    ]);
    expect(tableOptionProblem(options)).toMatch(/^ENGINE=FEDERATED/);
    expect(tableOptionProblem([{ name: "engine", value: "innodb" }])).toBeUndefined();
    expect(tableOptionProblem([{ name: "data directory", value: "/x", partition: "partition p" }])).toMatch(
      /^data directory of partition p: /,
    );
    expect(SAFE_ENGINES).toContain("InnoDB");
  });
});
