import type { Catalog, CatalogTable } from "#core/model/catalog.ts";
import type { MysqlDestinationFacts, PrecheckFacts, SourceFacts } from "#core/precheck/types.ts";
import { detectServerVersion } from "#core/source/flavour.ts";

export function table(database: string, name: string, overrides: Partial<CatalogTable> = {}): CatalogTable {
  return {
    database,
    name,
    columns: [
      { name: "id", dataType: "bigint", columnType: "bigint(20)", nullable: false, generated: false },
      { name: "status", dataType: "varchar", columnType: "varchar(20)", nullable: true, generated: false },
      { name: "amount", dataType: "decimal", columnType: "decimal(10,2)", nullable: true, generated: false },
    ],
    keys: [{ name: "PRIMARY", primary: true, unique: true, columns: ["id"] }],
    estimatedRows: 10,
    ...overrides,
  };
}

export function catalogOf(...tables: CatalogTable[]): Catalog {
  const catalog: Catalog = new Map();
  for (const t of tables) {
    if (!catalog.has(t.database)) catalog.set(t.database, new Map());
    catalog.get(t.database)?.set(t.name, t);
  }
  return catalog;
}

/** A healthy MariaDB source: ROW, FULL, 7 days, a replication account. */
export function sourceFacts(overrides: Partial<SourceFacts> = {}): SourceFacts {
  return {
    ok: true,
    server: detectServerVersion("10.11.6-MariaDB-log", "Debian 12"),
    variables: {
      log_bin: "ON",
      binlog_format: "ROW",
      binlog_row_image: "FULL",
      binlog_row_metadata: "FULL",
      binlog_expire_logs_seconds: "604800",
      expire_logs_days: "7.000000",
    },
    grants: [
      "GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `dts`@`%`",
      "GRANT CREATE, INSERT, UPDATE ON `dts_health_check`.* TO `dts`@`%`",
    ],
    catalog: catalogOf(table("shop", "orders"), table("shop", "customers")),
    ...overrides,
  };
}

export function destinationFacts(overrides: Partial<MysqlDestinationFacts> = {}): MysqlDestinationFacts {
  return {
    ok: true,
    kind: "mysql",
    server: detectServerVersion("10.11.6-MariaDB", ""),
    grants: ["GRANT ALL PRIVILEGES ON *.* TO `root`@`%`"],
    databases: ["mysql", "information_schema"],
    tables: [],
    localInfile: true,
    ...overrides,
  };
}

export function facts(overrides: Partial<PrecheckFacts> = {}): PrecheckFacts {
  return { source: sourceFacts(), destination: destinationFacts(), ...overrides };
}
