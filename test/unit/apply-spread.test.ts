import type { Connection } from "mysql2/promise";
import { describe, expect, it } from "vitest";
import type { SourceTransaction } from "#core/model/row.ts";
import { buildRoutes } from "#core/pipeline/table-route.ts";
import { MysqlChangeSink } from "#core/sinks/mysql/change-sink.ts";
import { catalogOf, table } from "../support/facts.ts";
import { spec } from "../support/spec-fixtures.ts";

// destination.applyConnections > 1: a batch's parts are applied side by side, each in its own
// transaction; a part that meets a deadlock runs again, any other failure fails the batch.
const task = spec({ objects: [{ database: "shop" }] });
const routes = buildRoutes(task, catalogOf(table("shop", "orders")));

/** A destination connection that logs its statements and fails the ones `fail` picks. */
function destination(fail: (sql: string) => Error | undefined = () => undefined) {
  const log: string[] = [];
  const connection = {
    async query(sql: string) {
      await new Promise((resolve) => setImmediate(resolve));
      log.push(sql);
      const error = fail(sql);
      if (error) throw error;
      return [{ warningStatus: 0 }];
    },
  };
  return { log, connection: connection as unknown as Connection };
}

const source = {
  query: () => Promise.reject(new Error("the source is not read for tables without spatial columns")),
} as unknown as Connection;

const batch: SourceTransaction[] = Array.from({ length: 40 }, (_, t) => ({
  position: { file: "mysql-bin.000001", position: 4 + t },
  timestamp: 0,
  changes: Array.from({ length: 10 }, (_, r) => ({
    op: "insert" as const,
    database: "shop",
    table: "orders",
    after: { id: t * 10 + r + 1, status: "new", amount: "1.00" },
  })),
}));

/** The ids each connection's committed transactions wrote. */
function committedIds(log: string[]): number[] {
  const ids: number[] = [];
  let open: number[] = [];
  for (const sql of log) {
    if (sql === "START TRANSACTION") open = [];
    else if (sql === "COMMIT") ids.push(...open);
    else if (sql.startsWith("INSERT"))
      open.push(...[...sql.matchAll(/\((\d+),'new'/g)].map((m) => Number(m[1])));
  }
  return ids;
}

const deadlock = () => Object.assign(new Error("Deadlock found when trying to get lock"), { errno: 1213 });

describe("a batch applied on side-by-side connections", () => {
  it("writes every row once, each part in its own committed transaction, on every connection", async () => {
    const connections = [destination(), destination(), destination(), destination()];
    const sink = new MysqlChangeSink(
      task,
      source,
      connections.map((c) => c.connection),
    );
    expect(await sink.writeTransactions(batch, routes)).toBe(400);
    const ids = connections.flatMap((c) => committedIds(c.log));
    expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    for (const { log } of connections)
      expect(log.filter((sql) => sql === "START TRANSACTION").length).toBeGreaterThan(0);
  });

  it("runs a part that met a deadlock again, once the others are done", async () => {
    let deadlocks = 1;
    const unlucky = destination((sql) =>
      sql.startsWith("INSERT") && deadlocks-- > 0 ? deadlock() : undefined,
    );
    const connections = [destination(), unlucky, destination()];
    const sink = new MysqlChangeSink(
      task,
      source,
      connections.map((c) => c.connection),
    );
    expect(await sink.writeTransactions(batch, routes)).toBe(400);
    expect(unlucky.log).toContain("ROLLBACK");
    const ids = connections.flatMap((c) => committedIds(c.log));
    expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
  });

  it("fails the batch on any other error, and starts no part after it", async () => {
    const broken = Object.assign(new Error("Data too long for column 'status'"), { errno: 1406 });
    const failing = destination((sql) => (sql.startsWith("INSERT") ? broken : undefined));
    const other = destination();
    const sink = new MysqlChangeSink(task, source, [failing.connection, other.connection]);
    await expect(sink.writeTransactions(batch, routes)).rejects.toBe(broken);
    expect(failing.log).toContain("ROLLBACK");
    expect(committedIds(failing.log)).toEqual([]);
    // Four parts on two connections: after the failure, the other finishes at most the part it runs.
    expect(other.log.filter((sql) => sql === "COMMIT").length).toBeLessThanOrEqual(2);
  });
});
