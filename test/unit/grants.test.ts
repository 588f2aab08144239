import { describe, expect, it } from "vitest";
import { databasePatternMatches, holds, parseGrants } from "#core/precheck/grants.ts";

describe("SHOW GRANTS parsing", () => {
  it("reads MariaDB 10.11 grants, where REPLICATION CLIENT shows as BINLOG MONITOR", () => {
    const grants = parseGrants([
      "GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `dts`@`%` IDENTIFIED BY PASSWORD '*ABC'",
    ]);
    expect(holds(grants, "REPLICATION SLAVE")).toBe(true);
    expect(holds(grants, "REPLICATION CLIENT")).toBe(true);
    expect(holds(grants, "SELECT", "shop", "orders")).toBe(true);
    expect(holds(grants, "INSERT", "shop")).toBe(false);
  });

  it("reads MySQL 8 grants with database and table levels", () => {
    const grants = parseGrants([
      "GRANT USAGE ON *.* TO `dts`@`%`",
      "GRANT SELECT ON `shop`.* TO `dts`@`%`",
      "GRANT SELECT, INSERT ON `crm`.`leads` TO `dts`@`%`",
      "GRANT `app_role`@`%` TO `dts`@`%`",
    ]);
    expect(holds(grants, "SELECT", "shop", "anything")).toBe(true);
    expect(holds(grants, "SELECT", "crm", "leads")).toBe(true);
    expect(holds(grants, "SELECT", "crm", "other")).toBe(false);
    expect(holds(grants, "REPLICATION SLAVE")).toBe(false);
  });

  it("treats ALL PRIVILEGES as every privilege at its level", () => {
    const grants = parseGrants(["GRANT ALL PRIVILEGES ON `dest`.* TO `w`@`%` WITH GRANT OPTION"]);
    expect(holds(grants, "CREATE", "dest")).toBe(true);
    expect(holds(grants, "CREATE", "other")).toBe(false);
    expect(holds(grants, "REPLICATION SLAVE")).toBe(false);
  });

  it("does not count column-level grants as table access", () => {
    const grants = parseGrants(["GRANT SELECT (`id`, `name`), INSERT ON `shop`.`t` TO `u`@`%`"]);
    expect(holds(grants, "SELECT", "shop", "t")).toBe(false);
    expect(holds(grants, "INSERT", "shop", "t")).toBe(true);
  });

  it("matches database patterns with wildcards and escapes", () => {
    expect(databasePatternMatches("shop\\_db", "shop_db")).toBe(true);
    expect(databasePatternMatches("shop\\_db", "shopXdb")).toBe(false);
    expect(databasePatternMatches("shop_db", "shopXdb")).toBe(true);
    expect(databasePatternMatches("app%", "app_eu")).toBe(true);
    expect(databasePatternMatches("app%", "other")).toBe(false);
  });
});
