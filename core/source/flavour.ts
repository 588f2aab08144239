/** Which MySQL-compatible server the source is, from @@version and @@version_comment. */
export type Flavour = "mysql" | "mariadb" | "polardb-x";

export interface ServerVersion {
  flavour: Flavour;
  major: number;
  minor: number;
  patch: number;
  /** As the server printed it. */
  text: string;
}

export function detectServerVersion(version: string, versionComment = ""): ServerVersion {
  const [, major = "0", minor = "0", patch = "0"] = /^(\d+)\.(\d+)\.(\d+)/.exec(version) ?? [];
  let flavour: Flavour = "mysql";
  if (/mariadb/i.test(version) || /mariadb/i.test(versionComment)) flavour = "mariadb";
  else if (/TDDL|polardb-?x|polarx/i.test(version) || /polardb-?x|polarx/i.test(versionComment))
    flavour = "polardb-x";
  return { flavour, major: Number(major), minor: Number(minor), patch: Number(patch), text: version };
}

/**
 * The statement that reads the current binlog file and position: MySQL 8.2+ replaced
 * SHOW MASTER STATUS by SHOW BINARY LOG STATUS (and 8.4 removed the old one); MySQL 5.7/8.0/8.1,
 * MariaDB and PolarDB-X answer SHOW MASTER STATUS.
 */
export function binlogStatusStatement(server: ServerVersion): string {
  if (server.flavour === "mysql" && (server.major > 8 || (server.major === 8 && server.minor >= 2))) {
    return "SHOW BINARY LOG STATUS";
  }
  return "SHOW MASTER STATUS";
}

export function describeServer(server: ServerVersion): string {
  const name = { mysql: "MySQL", mariadb: "MariaDB", "polardb-x": "PolarDB-X" }[server.flavour];
  return `${name} ${server.text}`;
}
