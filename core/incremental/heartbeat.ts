import type { Connection } from "mysql2/promise";
import type { Logger } from "../logger.ts";

/**
 * Writes dts_health_check.ha_health_check on the source every second, so the binlog position and
 * the latency keep moving on an idle source (the tailer never copies these rows). Needs CREATE,
 * INSERT and UPDATE on dts_health_check; without them it logs once and stops.
 */
export function startHeartbeat(source: Connection, log: Pick<Logger, "warn">): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const beat = async () => {
    try {
      await source.query(
        "INSERT INTO dts_health_check.ha_health_check (id, beat_at) VALUES (1, NOW(6)) ON DUPLICATE KEY UPDATE beat_at = VALUES(beat_at)",
      );
    } catch (error) {
      const denied = /denied/i.test((error as Error).message);
      const hint = denied
        ? " (grant CREATE, INSERT, UPDATE on dts_health_check.* to the source account)"
        : "";
      log.warn(`heartbeat stopped${hint}`, { error });
      stopped = true;
      return;
    }
    if (!stopped) timer = setTimeout(() => void beat(), 1000);
  };
  void (async () => {
    try {
      await source.query("CREATE DATABASE IF NOT EXISTS dts_health_check");
      await source.query(
        "CREATE TABLE IF NOT EXISTS dts_health_check.ha_health_check (id INT NOT NULL PRIMARY KEY, beat_at DATETIME(6) NOT NULL)",
      );
      await beat();
    } catch (error) {
      log.warn("heartbeat stopped", { error });
    }
  })();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
