import type { Connection } from "mysql2/promise";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readBinlogRetention } from "#core/incremental/binlog-retention.ts";
import { emfMetrics } from "#core/incremental/metrics.ts";
import { startReports } from "#core/incremental/reports.ts";
import { TAILER_REPORT_INTERVAL_MS, TailerWatch } from "#core/incremental/watch.ts";
import { createLogger } from "#core/logger.ts";

const HOUR = 3600;
const HOUR_MS = HOUR * 1000;
const START = Date.UTC(2031, 0, 1);
const checkpointAt = (sourceTimestamp: number) => ({
  position: { file: "binlog.000042", position: 4711 },
  sourceTimestamp,
});

let now = START;
const clock = () => now;

/** A source whose SHOW GLOBAL VARIABLES answers `variables`; `rdsHours` makes it an RDS one. */
function sourceWith(variables: Record<string, string>, rdsHours?: string | null): Connection {
  return {
    async query(sql: string) {
      if (sql.startsWith("SHOW GLOBAL VARIABLES"))
        return [Object.entries(variables).map(([Variable_name, Value]) => ({ Variable_name, Value })), []];
      if (sql.startsWith("CALL mysql.rds_show_configuration") && rdsHours !== undefined)
        return [[[{ name: "binlog retention hours", value: rdsHours, description: "" }], {}], []];
      throw Object.assign(new Error("PROCEDURE mysql.rds_show_configuration does not exist"), {
        errno: 1305,
      });
    },
  } as unknown as Connection;
}

/** The headroom reported for a checkpoint written `ageSeconds` ago on a source with `variables`. */
async function headroom(variables: Record<string, string>, ageSeconds: number, rdsHours?: string | null) {
  const watch = new TailerWatch(clock);
  watch.resumesFrom(checkpointAt(now - ageSeconds * 1000));
  watch.connected(await readBinlogRetention(sourceWith(variables, rdsHours)));
  return watch.report().headroomSeconds;
}

beforeEach(() => {
  now = START;
});

describe("binlog retention headroom", () => {
  it("is retention minus the checkpoint event's age, from MySQL 8's binlog_expire_logs_seconds", async () => {
    const mysql8 = {
      binlog_expire_logs_seconds: "2592000",
      expire_logs_days: "0",
      binlog_expire_logs_auto_purge: "ON",
    };
    expect(await headroom(mysql8, 2 * HOUR)).toBe(30 * 24 * HOUR - 2 * HOUR);
    // expire_logs_days counts only while binlog_expire_logs_seconds is 0 (MySQL 8.0 upgraded from 5.7).
    expect(await headroom({ binlog_expire_logs_seconds: "0", expire_logs_days: "3" }, HOUR)).toBe(71 * HOUR);
  });

  it("reads MariaDB's variables: 10.6+ fractional expire_logs_days with its seconds alias, older ones days only", async () => {
    const mariadb106 = { binlog_expire_logs_seconds: "43200", expire_logs_days: "0.500000" };
    expect(await headroom(mariadb106, HOUR)).toBe(11 * HOUR);
    expect(await headroom({ expire_logs_days: "7" }, 24 * HOUR)).toBe(6 * 24 * HOUR);
  });

  it("is left out when the source never purges (0, or auto purge OFF) or its settings cannot be read", async () => {
    expect(await headroom({ binlog_expire_logs_seconds: "0", expire_logs_days: "0" }, HOUR)).toBeUndefined();
    expect(
      await headroom({ binlog_expire_logs_seconds: "604800", binlog_expire_logs_auto_purge: "OFF" }, HOUR),
    ).toBeUndefined();
    const denied = { query: async () => Promise.reject(new Error("denied")) } as unknown as Connection;
    expect(await readBinlogRetention(denied)).toBeUndefined();
  });

  it("takes RDS's binlog retention hours when it is shorter than the server's own setting", async () => {
    const mysql8 = { binlog_expire_logs_seconds: "2592000" };
    expect(await headroom(mysql8, HOUR, "24")).toBe(23 * HOUR);
    expect(await headroom(mysql8, HOUR, null)).toBe(30 * 24 * HOUR - HOUR); // unset: the server's counts
  });

  it("goes negative once the binlog may be gone, and warns under 6 hours naming the file", async () => {
    const watch = new TailerWatch(clock);
    watch.resumesFrom(checkpointAt(now));
    watch.connected(24 * HOUR);
    now += 17 * HOUR_MS;
    expect(watch.warning()).toBeUndefined();
    now += 2 * HOUR_MS;
    expect(watch.report().headroomSeconds).toBe(5 * HOUR);
    expect(watch.warning()).toMatch(
      /^binlog binlog\.000042, which the task resumes from, may be purged in 5\.0 hours \(the source keeps binlogs 24 hours; the checkpoint is from 2031-01-01T00:00:00\.000Z\)/,
    );
    now += 6 * HOUR_MS;
    expect(watch.report().headroomSeconds).toBe(-HOUR);
    expect(watch.warning()).toMatch(/may already be purged/);
  });

  it("follows the checkpoints the tailer writes", () => {
    const watch = new TailerWatch(clock);
    watch.resumesFrom(checkpointAt(now - 20 * HOUR_MS));
    watch.connected(24 * HOUR);
    expect(watch.report().headroomSeconds).toBe(4 * HOUR);
    watch.applied({
      latencyMs: 0,
      rowsPerSecond: 5,
      lastEvent: checkpointAt(now),
      checkpoint: checkpointAt(now),
    });
    expect(watch.report().headroomSeconds).toBe(24 * HOUR);
    expect(watch.warning()).toBeUndefined();
  });
});

describe("the tailer's latency as reported", () => {
  it("is the tailer's own while it reports, and grows from the last applied event once it stops", () => {
    const watch = new TailerWatch(clock);
    watch.resumesFrom(checkpointAt(now));
    watch.connected(undefined);
    now += 1000;
    watch.applied({ latencyMs: 0, rowsPerSecond: 120, lastEvent: checkpointAt(now) });
    expect(watch.report()).toEqual({
      connected: true,
      latencyMs: 0,
      rowsPerSecond: 120,
      headroomSeconds: undefined,
    });
    // Connected, but nothing reported for longer than two intervals (a hung commit): it grows.
    now += 3 * TAILER_REPORT_INTERVAL_MS;
    expect(watch.report()).toMatchObject({ latencyMs: 3 * TAILER_REPORT_INTERVAL_MS, rowsPerSecond: 0 });
  });

  it("is never 0 while disconnected, even right after the last event", () => {
    const watch = new TailerWatch(clock);
    watch.resumesFrom(checkpointAt(now));
    watch.connected(undefined);
    watch.applied({ latencyMs: 0, rowsPerSecond: 1, lastEvent: checkpointAt(now) });
    watch.disconnected();
    expect(watch.report().latencyMs).toBeGreaterThan(0);
  });
});

describe("reports while reconnecting", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Moves the clock and the report timer together, one interval at a time. */
  async function advance(intervals: number) {
    for (let i = 0; i < intervals; i++) {
      now += TAILER_REPORT_INTERVAL_MS;
      await vi.advanceTimersByTimeAsync(TAILER_REPORT_INTERVAL_MS);
    }
  }

  function run(watch: TailerWatch) {
    const lines: Record<string, unknown>[] = [];
    const logged: string[] = [];
    const saved: (string | undefined)[] = [];
    const stop = startReports({
      task: "orders",
      watch,
      metrics: emfMetrics({ emf: true }, (line) => lines.push(JSON.parse(line)), clock),
      thresholdSeconds: 60,
      logger: createLogger(
        { level: "info" },
        { destination: { write: (line: string) => logged.push(line) } },
      ),
      clock,
      saveWarning: async (warning) => void saved.push(warning),
    });
    return { lines, logged, saved, stop };
  }

  it("emits a heartbeat every interval with a latency that keeps growing, and rows 0", async () => {
    const watch = new TailerWatch(clock);
    watch.resumesFrom(checkpointAt(now));
    watch.connected(7 * 24 * HOUR);
    watch.applied({ latencyMs: 400, rowsPerSecond: 900, lastEvent: checkpointAt(now) });
    const r = run(watch);
    await advance(1);
    expect(r.lines.at(-1)).toMatchObject({
      TailerHeartbeat: 1,
      ReplicationLatencySeconds: 0.4,
      AppliedRowsPerSecond: 900,
    });
    watch.disconnected(); // the connection is lost; the tailer retries with backoff
    await advance(4);
    const latencies = r.lines.slice(1).map((line) => line.ReplicationLatencySeconds);
    expect(latencies).toEqual([10, 15, 20, 25]);
    expect(
      r.lines.slice(1).every((line) => line.TailerHeartbeat === 1 && line.AppliedRowsPerSecond === 0),
    ).toBe(true);
    expect(r.lines.at(-1)).toMatchObject({
      LatencyThresholdBreached: 0,
      BinlogRetentionHeadroomSeconds: 7 * 24 * HOUR - 25,
    });
    await advance(8);
    expect(r.lines.at(-1)).toMatchObject({ ReplicationLatencySeconds: 65, LatencyThresholdBreached: 1 });
    r.stop();
    await advance(3);
    expect(r.lines).toHaveLength(13);
  });

  it("warns once when the headroom falls under 6 hours and saves the warning on the task while disconnected", async () => {
    const watch = new TailerWatch(clock);
    watch.resumesFrom(checkpointAt(now - (18 * HOUR - 10) * 1000));
    watch.connected(24 * HOUR);
    watch.disconnected();
    const r = run(watch);
    await advance(1);
    expect(r.saved).toEqual([]);
    await advance(3); // the headroom crosses 6 hours
    await advance(10);
    expect(r.logged.filter((line) => line.includes('"level":40'))).toHaveLength(1);
    expect(r.logged.at(-1)).toMatch(
      /binlog binlog\.000042, which the task resumes from, may be purged in 6\.0 hours/,
    );
    expect(r.saved).toHaveLength(1);
    expect(r.saved[0]).toMatch(/^binlog binlog\.000042/);
    r.stop();
  });
});
