import { describe, expect, it } from "vitest";
import { binlogStatusStatement, detectServerVersion } from "#core/source/flavour.ts";

describe("source flavour", () => {
  it("detects MariaDB, MySQL and PolarDB-X from the version strings", () => {
    expect(detectServerVersion("10.11.6-MariaDB-0+deb12u1-log", "Debian 12")).toMatchObject({
      flavour: "mariadb",
      major: 10,
      minor: 11,
    });
    expect(detectServerVersion("8.0.36", "MySQL Community Server - GPL")).toMatchObject({
      flavour: "mysql",
      minor: 0,
    });
    expect(detectServerVersion("5.7.25-TDDL-5.4.13-16504348", "")).toMatchObject({
      flavour: "polardb-x",
      major: 5,
    });
    expect(detectServerVersion("8.0.32-X-Cluster-8.4.19", "PolarDB-X Server")).toMatchObject({
      flavour: "polardb-x",
    });
  });

  it("reads the binlog position with SHOW BINARY LOG STATUS on MySQL 8.2+ (8.4 removed SHOW MASTER STATUS)", () => {
    expect(binlogStatusStatement(detectServerVersion("8.4.3", ""))).toBe("SHOW BINARY LOG STATUS");
    expect(binlogStatusStatement(detectServerVersion("8.2.0", ""))).toBe("SHOW BINARY LOG STATUS");
    expect(binlogStatusStatement(detectServerVersion("9.1.0", ""))).toBe("SHOW BINARY LOG STATUS");
    expect(binlogStatusStatement(detectServerVersion("8.0.36", ""))).toBe("SHOW MASTER STATUS");
    expect(binlogStatusStatement(detectServerVersion("5.7.44-log", ""))).toBe("SHOW MASTER STATUS");
    expect(binlogStatusStatement(detectServerVersion("10.11.6-MariaDB", ""))).toBe("SHOW MASTER STATUS");
    expect(binlogStatusStatement(detectServerVersion("5.7.25-TDDL-5.4.13", ""))).toBe("SHOW MASTER STATUS");
  });
});
