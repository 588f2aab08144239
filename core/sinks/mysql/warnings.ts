import type { Connection } from "mysql2/promise";

/**
 * Warnings that say nothing about the values written: VALUES() in ON DUPLICATE KEY UPDATE is
 * deprecated in MySQL 8 (1287), a statement-format binlog calls such upserts unsafe (1592), the
 * range optimizer ran out of memory (3170).
 */
const HARMLESS = new Set([1287, 1592, 3170]);

/**
 * What the destination said about the last statement, when it changed a value on the way in:
 * strict mode still only warns when it cuts trailing spaces, and LOAD DATA LOCAL may turn what
 * an INSERT refuses (too long, out of range) into warnings with the value adjusted.
 * Empty when every warning is harmless.
 */
export async function valueWarnings(destination: Connection): Promise<string[]> {
  const [rows] = await destination.query("SHOW WARNINGS");
  return (rows as { Code: number; Message: string }[])
    .filter((w) => !HARMLESS.has(Number(w.Code)))
    .map((w) => `${w.Message} (${w.Code})`);
}
