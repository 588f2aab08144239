import { describe, expect, it } from "vitest";
import { FatalError } from "#core/errors.ts";
import { destinationCreateTable } from "#core/schema/create-table.ts";
import type { SelectedTable } from "#core/spec/mapping.ts";

const SHOW_CREATE = `CREATE TABLE \`orders\` (
  \`id\` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  \`customer_id\` bigint(20) unsigned NOT NULL,
  \`status\` enum('new','paid') CHARACTER SET latin1 COLLATE latin1_swedish_ci NOT NULL DEFAULT 'new',
  \`note\` text DEFAULT NULL COMMENT 'a, b (c)',
  \`weird\`\`name\` int(11) DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`uk_note\` (\`note\`(10),\`status\`),
  KEY \`idx_customer\` (\`customer_id\`) USING BTREE,
  CONSTRAINT \`fk_customer\` FOREIGN KEY (\`customer_id\`) REFERENCES \`customers\` (\`id\`) ON DELETE CASCADE,
  CONSTRAINT \`chk_status\` CHECK (\`status\` <> '')
) ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='orders'`;

function selected(columns: [string, string][]): SelectedTable {
  return {
    source: { database: "shop", table: "orders" },
    destination: { database: "shop2", table: "orders_v2" },
    columns: columns.map(([source, destination]) => ({ source, destination })),
    where: undefined,
    dml: ["insert", "update", "delete"],
    explicit: true,
  };
}

describe("destination CREATE TABLE", () => {
  it("keeps every column, index, charset and collation, drops foreign keys and the counter", () => {
    const all = selected([
      ["id", "id"],
      ["customer_id", "customer_id"],
      ["status", "status"],
      ["note", "note"],
      ["weird`name", "weird`name"],
    ]);
    const ddl = destinationCreateTable(SHOW_CREATE, all, false);
    expect(ddl.sql).toBe(`CREATE TABLE \`shop2\`.\`orders_v2\` (
  \`id\` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  \`customer_id\` bigint(20) unsigned NOT NULL,
  \`status\` enum('new','paid') CHARACTER SET latin1 COLLATE latin1_swedish_ci NOT NULL DEFAULT 'new',
  \`note\` text DEFAULT NULL COMMENT 'a, b (c)',
  \`weird\`\`name\` int(11) DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`uk_note\` (\`note\`(10),\`status\`),
  KEY \`idx_customer\` (\`customer_id\`) USING BTREE,
  CONSTRAINT \`chk_status\` CHECK (\`status\` <> '')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='orders'`);
    expect(ddl.notes).toEqual([expect.stringMatching(/^foreign key left out \(CONSTRAINT `fk_customer`/)]);
  });

  it("renames columns everywhere and leaves out unselected columns with their indexes", () => {
    const subset = selected([
      ["id", "order_id"],
      ["status", "state"],
      ["note", "note"],
    ]);
    const ddl = destinationCreateTable(SHOW_CREATE, subset, true);
    expect(ddl.sql).toMatch(/^CREATE TABLE IF NOT EXISTS `shop2`\.`orders_v2` \(\n {2}`order_id` bigint/);
    expect(ddl.sql).toContain("  `state` enum('new','paid') CHARACTER SET latin1");
    expect(ddl.sql).toContain("  PRIMARY KEY (`order_id`)");
    expect(ddl.sql).toContain("  UNIQUE KEY `uk_note` (`note`(10),`state`)");
    expect(ddl.sql).not.toContain("customer_id");
    expect(ddl.sql).not.toContain("CHECK");
    expect(ddl.notes).toEqual(
      expect.arrayContaining([
        "KEY idx_customer left out: it uses a column that is not migrated",
        expect.stringMatching(/^check constraint left out/),
      ]),
    );
  });

  it("defers non-unique indexes to after the full load, except one the AUTO_INCREMENT column needs", () => {
    const all = selected([
      ["id", "id"],
      ["customer_id", "customer_id"],
      ["status", "status"],
      ["note", "note"],
      ["weird`name", "weird`name"],
    ]);
    const ddl = destinationCreateTable(SHOW_CREATE, all, true, true);
    expect(ddl.deferredIndexes).toEqual([
      { name: "idx_customer", clause: "KEY `idx_customer` (`customer_id`) USING BTREE" },
    ]);
    expect(ddl.sql).not.toContain("idx_customer");
    expect(ddl.sql).toContain("UNIQUE KEY `uk_note`");
    const auto =
      "CREATE TABLE `t` (\n  `a` int(11) NOT NULL,\n  `n` int(11) NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (`a`),\n  KEY `k_n` (`n`)\n) ENGINE=InnoDB";
    const kept = destinationCreateTable(
      auto,
      selected([
        ["a", "a"],
        ["n", "n"],
      ]),
      false,
      true,
    );
    expect(kept.deferredIndexes).toEqual([]);
    expect(kept.sql).toContain("  KEY `k_n` (`n`)");
  });

  it("refuses to rewrite a generated column's table when columns change", () => {
    const generated =
      "CREATE TABLE `t` (\n  `a` int(11) NOT NULL,\n  `b` int(11) GENERATED ALWAYS AS (`a` + 1) VIRTUAL,\n  PRIMARY KEY (`a`)\n) ENGINE=InnoDB";
    const renamed = {
      ...selected([
        ["a", "x"],
        ["b", "b"],
      ]),
    };
    expect(() => destinationCreateTable(generated, renamed, false)).toThrow(FatalError);
  });

  it("stops on a definition line it cannot translate instead of diverging", () => {
    const odd = "CREATE TABLE `t` (\n  `a` int(11) NOT NULL,\n  PERIOD FOR p (`s`, `e`)\n) ENGINE=InnoDB";
    expect(() => destinationCreateTable(odd, selected([["a", "a"]]), false)).toThrow(
      /cannot translate this line/,
    );
  });
});

describe("table options on the destination", () => {
  const all = (columns = ["id", "name"]) => selected(columns.map((c): [string, string] => [c, c]));
  const table = (options: string) =>
    `CREATE TABLE \`orders\` (\n  \`id\` int(11) NOT NULL,\n  \`name\` varchar(20) DEFAULT NULL,\n  PRIMARY KEY (\`id\`)\n) ${options}`;

  it("stops on a table that would reach another server, naming the table, the option and the fix", () => {
    const federated = table(
      "ENGINE=FEDERATED DEFAULT CHARSET=latin1 CONNECTION='mysql://app:s3cret@10.0.0.9:3306/crm/orders'",
    );
    expect(() => destinationCreateTable(federated, all(), true)).toThrow(FatalError);
    expect(() => destinationCreateTable(federated, all(), true)).toThrow(
      /^shop\.orders cannot be created on the destination: ENGINE=FEDERATED: .*leave the table out of objects, or create it on the destination yourself$/,
    );
    const connection = table("ENGINE=InnoDB CONNECTION='mysql://app:s3cret@10.0.0.9/crm/orders'");
    expect(() => destinationCreateTable(connection, all(), true)).toThrow(/CONNECTION: .*another server/);
    expect(() => destinationCreateTable(connection, all(), true)).not.toThrow(/s3cret/);
  });

  it("stops on DATA DIRECTORY and INDEX DIRECTORY, of the table or of a partition", () => {
    expect(() =>
      destinationCreateTable(table("ENGINE=MyISAM DATA DIRECTORY='/var/lib/other'"), all(), true),
    ).toThrow(/DATA DIRECTORY: its files would be written outside/);
    expect(() => destinationCreateTable(table("ENGINE=MyISAM INDEX DIRECTORY='/tmp'"), all(), true)).toThrow(
      /INDEX DIRECTORY/,
    );
    const partitioned = table(
      "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4\n PARTITION BY RANGE (`id`)\n(PARTITION `p0` VALUES LESS THAN (10) DATA DIRECTORY = '/tmp' ENGINE = InnoDB,\n PARTITION `p1` VALUES LESS THAN MAXVALUE ENGINE = InnoDB)",
    );
    expect(() => destinationCreateTable(partitioned, all(), true)).toThrow(
      /shop\.orders cannot be created on the destination: DATA DIRECTORY of partition p0/,
    );
  });

  it("stops on MERGE tables over other databases' tables", () => {
    const merge = table("ENGINE=MRG_MyISAM DEFAULT CHARSET=utf8mb4 INSERT_METHOD=LAST UNION=(`other`.`t`)");
    expect(() => destinationCreateTable(merge, all(), true)).toThrow(/ENGINE=MRG_MyISAM/);
  });

  it("keeps options whose text only looks like a dangerous one, and a safe partitioning", () => {
    const hostile = table(
      "ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4 COMMENT='x AUTO_INCREMENT=5 DATA DIRECTORY=''/tmp'' ENGINE=FEDERATED'",
    );
    expect(destinationCreateTable(hostile, all(), true).sql).toMatch(
      /\n\) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='x AUTO_INCREMENT=5 DATA DIRECTORY=''\/tmp'' ENGINE=FEDERATED'$/,
    );
    const partitioning =
      "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4\n PARTITION BY RANGE (`id`)\n(PARTITION `p0` VALUES LESS THAN (10) COMMENT = 'DATA DIRECTORY' ENGINE = InnoDB,\n PARTITION `p1` VALUES LESS THAN MAXVALUE ENGINE = InnoDB)";
    expect(destinationCreateTable(table(partitioning), all(), true).sql).toBe(
      `CREATE TABLE IF NOT EXISTS \`shop2\`.\`orders_v2\` (\n  \`id\` int(11) NOT NULL,\n  \`name\` varchar(20) DEFAULT NULL,\n  PRIMARY KEY (\`id\`)\n) ${partitioning}`,
    );
  });
});

describe("routines for the destination", () => {
  it("drops the DEFINER and creates the routine in the mapped database, SQL SECURITY INVOKER", async () => {
    const { rewriteRoutine } = await import("#core/schema/routines.ts");
    expect(
      rewriteRoutine(
        "CREATE DEFINER=`root`@`localhost` FUNCTION `with_tax`(p DECIMAL(8,2)) RETURNS decimal(8,2)\n    DETERMINISTIC\nRETURN p * 1.2",
        { kind: "FUNCTION", name: "with_tax", target: "so_dst", security: "invoker" },
      ),
    ).toBe(
      "CREATE FUNCTION `so_dst`.`with_tax`(p DECIMAL(8,2)) RETURNS decimal(8,2)\n    DETERMINISTIC\n    SQL SECURITY INVOKER\nRETURN p * 1.2",
    );
  });
});
