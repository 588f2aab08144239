import { describe, expect, it } from "vitest";
import { binlogRetentionSeconds } from "#core/precheck/rules/binlog.ts";
import { evaluatePrecheck } from "#core/precheck/run.ts";
import type { CheckResult, PrecheckFacts } from "#core/precheck/types.ts";
import { detectServerVersion } from "#core/source/flavour.ts";
import type { TaskSpecInput } from "#core/spec/schema.ts";
import { catalogOf, destinationFacts, facts, sourceFacts, table } from "../support/facts.ts";
import { spec } from "../support/spec-fixtures.ts";

function check(
  id: string,
  f: PrecheckFacts = facts(),
  overrides: Partial<TaskSpecInput> = {},
): CheckResult | undefined {
  return evaluatePrecheck(spec(overrides), f).find((c) => c.id === id);
}

const withVariables = (variables: Record<string, string>) =>
  facts({ source: sourceFacts({ variables: { ...sourceFacts().variables, ...variables } }) });

describe("precheck rules", () => {
  it("passes every check for a healthy source and an empty destination", () => {
    const results = evaluatePrecheck(spec(), facts());
    expect(results.filter((r) => r.status !== "pass")).toEqual([]);
    expect(results.map((r) => r.id)).toEqual([
      "source.connectivity",
      "destination.connectivity",
      "source.version",
      "source.log_bin",
      "source.binlog_format",
      "source.binlog_row_image",
      "source.binlog_retention",
      "source.binlog_retention_full_load",
      "source.binlog_row_metadata",
      "source.privileges",
      "source.heartbeat",
      "source.objects",
      "source.table_keys",
      "spec.name_mapping",
      "destination.privileges",
      "destination.database",
      "destination.local_infile",
      "destination.table_conflicts",
    ]);
  });

  it("fails connectivity with the server's words and skips what depends on it", () => {
    const f = facts({ source: { ok: false, error: "connection refused" } });
    expect(check("source.connectivity", f)).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/refused/),
    });
    expect(check("source.binlog_format", f)?.status).toBe("skipped");
  });

  it("requires log_bin, ROW and FULL only when incremental migration is selected", () => {
    expect(check("source.log_bin", withVariables({ log_bin: "OFF" }))).toMatchObject({
      status: "fail",
      fix: expect.stringMatching(/log-bin/),
    });
    expect(check("source.binlog_format", withVariables({ binlog_format: "STATEMENT" }))).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/binlog_format=STATEMENT/),
      fix: expect.stringMatching(/SET GLOBAL binlog_format='ROW'/),
    });
    expect(check("source.binlog_row_image", withVariables({ binlog_row_image: "MINIMAL" }))).toMatchObject({
      status: "fail",
      fix: expect.stringMatching(/binlog_row_image='FULL'/),
    });
    const fullOnly = { migrationTypes: ["schema", "full"] as ("schema" | "full")[] };
    expect(
      check("source.binlog_format", withVariables({ binlog_format: "STATEMENT" }), fullOnly),
    ).toBeUndefined();
  });

  it("warns when rows carry no metadata of their own, or the heartbeat cannot be written", () => {
    expect(
      check("source.binlog_row_metadata", withVariables({ binlog_row_metadata: "NO_LOG" })),
    ).toMatchObject({
      status: "warn",
      fix: expect.stringMatching(/binlog_row_metadata='FULL'/),
    });
    const noHeartbeat = facts({
      source: sourceFacts({
        grants: ["GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `d`@`%`"],
      }),
    });
    expect(check("source.heartbeat", noHeartbeat)).toMatchObject({
      status: "warn",
      fix: expect.stringMatching(/^GRANT CREATE, INSERT, UPDATE ON dts_health_check\.\*/),
    });
    expect(check("source.heartbeat", noHeartbeat, { heartbeat: false })).toBeUndefined();
  });

  it("computes binlog retention from the variables of each flavour", () => {
    expect(binlogRetentionSeconds({ binlog_expire_logs_seconds: "0", expire_logs_days: "3" })).toBe(
      3 * 86_400,
    );
    expect(binlogRetentionSeconds({ binlog_expire_logs_seconds: "7200" })).toBe(7200);
    expect(binlogRetentionSeconds({ binlog_expire_logs_seconds: "0", expire_logs_days: "0" })).toBe(Infinity);
    expect(
      binlogRetentionSeconds({ binlog_expire_logs_seconds: "3600", binlog_expire_logs_auto_purge: "OFF" }),
    ).toBe(Infinity);
  });

  it("fails retention of 24 hours or less; longer retention is weighed against the full load", () => {
    const day = withVariables({ binlog_expire_logs_seconds: "86400" });
    expect(check("source.binlog_retention", day)?.status).toBe("fail");
    // Three days is plenty for these small tables: no fixed 7-day rule (see precheck-retention.test.ts).
    const threeDays = withVariables({ binlog_expire_logs_seconds: "259200" });
    expect(check("source.binlog_retention", threeDays)?.status).toBe("pass");
    expect(check("source.binlog_retention_full_load", threeDays)?.status).toBe("pass");
  });

  it("flags unsupported and untested server versions", () => {
    const at = (v: string) => facts({ source: sourceFacts({ server: detectServerVersion(v, "") }) });
    expect(check("source.version", at("5.6.51"))?.status).toBe("fail");
    expect(check("source.version", at("8.4.3"))?.status).toBe("pass");
    expect(check("source.version", at("8.0.36"))?.status).toBe("pass");
    expect(check("source.version", at("8.3.0"))?.status).toBe("warn");
    expect(check("source.version", at("5.7.25-TDDL-5.4.13"))?.detail).toMatch(/PolarDB-X/);
  });

  it("names missing source privileges and the GRANT that fixes them", () => {
    const f = facts({ source: sourceFacts({ grants: ["GRANT SELECT ON *.* TO `dts`@`%`"] }) });
    const result = check("source.privileges", f);
    expect(result).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/REPLICATION SLAVE on \*\.\*; REPLICATION CLIENT/),
    });
    expect(result?.fix).toMatch(/^GRANT REPLICATION SLAVE, REPLICATION CLIENT ON \*\.\*/);
    expect(check("source.privileges", f, { migrationTypes: ["schema", "full"] })?.status).toBe("pass");
  });

  it("fails a selected table without a primary or NOT NULL unique key", () => {
    const nullableUnique = table("shop", "events", {
      keys: [{ name: "uk", primary: false, unique: true, columns: ["status"] }],
    });
    const notNullUnique = table("shop", "tags", {
      keys: [{ name: "uk", primary: false, unique: true, columns: ["id"] }],
    });
    const f = facts({ source: sourceFacts({ catalog: catalogOf(nullableUnique, notNullUnique) }) });
    expect(check("source.table_keys", f)).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/shop\.events/),
    });
    expect(check("source.table_keys", f)?.detail).not.toMatch(/shop\.tags/);
  });

  it("fails when the selected columns leave out the key", () => {
    const overrides = { objects: [{ database: "shop", tables: [{ name: "orders", columns: ["status"] }] }] };
    expect(check("source.table_keys", facts(), overrides)).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/shop\.orders \(id\)/),
    });
  });

  it("reports selected objects missing on the source", () => {
    const overrides = {
      objects: [
        { database: "shop", tables: [{ name: "orders", columns: ["id", "nope"] }, { name: "ghost" }] },
      ],
    };
    const result = check("source.objects", facts(), overrides);
    expect(result?.status).toBe("fail");
    expect(result?.detail).toMatch(/column shop\.orders\.nope/);
    expect(result?.detail).toMatch(/table shop\.ghost/);
  });

  it("fails conflicting destination tables, or warns under ignore-and-proceed", () => {
    const f = facts({ destination: destinationFacts({ databases: ["shop"], tables: ["shop.orders"] }) });
    expect(check("destination.table_conflicts", f)).toMatchObject({
      status: "fail",
      detail: "already in the destination: shop.orders",
    });
    expect(check("destination.table_conflicts", f, { conflictMode: "ignore-and-proceed" })?.status).toBe(
      "warn",
    );
    const renamed = { objects: [{ database: "shop", tables: [{ name: "orders", as: "orders_v2" }] }] };
    expect(check("destination.table_conflicts", f, renamed)?.status).toBe("pass");
  });

  it("fails two objects mapped to one name", () => {
    const overrides = {
      objects: [
        {
          database: "shop",
          tables: [
            { name: "orders", as: "x" },
            { name: "customers", as: "X" },
          ],
        },
      ],
    };
    expect(check("spec.name_mapping", facts(), overrides)?.detail).toMatch(
      /shop\.orders and shop\.customers both map/,
    );
    const columns = {
      objects: [
        {
          database: "shop",
          tables: [{ name: "orders", columns: ["id", { name: "status", as: "amount" }, "amount"] }],
        },
      ],
    };
    expect(check("spec.name_mapping", facts(), columns)?.detail).toMatch(
      /status and amount both map to amount/,
    );
  });

  it("limits renaming to 1,000 tables per task", () => {
    const names = Array.from({ length: 1001 }, (_, i) => `t${i}`);
    const catalog = catalogOf(...names.map((n) => table("big", n)));
    const overrides = {
      objects: [{ database: "big", tables: names.map((n) => ({ name: n, as: `${n}_new` })) }],
    };
    const f = facts({ source: sourceFacts({ catalog }) });
    expect(check("spec.name_mapping", f, overrides)?.detail).toMatch(/1001 tables .* the limit is 1000/);
  });

  it("checks each WHERE filter against its table's columns", () => {
    const overrides = { objects: [{ database: "shop", tables: [{ name: "orders", where: "state = 'x'" }] }] };
    expect(check("spec.filters", facts(), overrides)).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/shop\.orders: .*column state is not a column of this table/),
    });
    const good = { objects: [{ database: "shop", tables: [{ name: "orders", where: "status <> 'void'" }] }] };
    expect(check("spec.filters", facts(), good)?.status).toBe("pass");
  });

  it("says whether the full load can bulk-load (LOAD DATA LOCAL) or falls back to INSERTs", () => {
    expect(check("destination.local_infile")?.status).toBe("pass");
    const off = check(
      "destination.local_infile",
      facts({ destination: destinationFacts({ localInfile: false }) }),
    );
    expect(off?.status).toBe("warn");
    expect(off?.detail).toMatch(/local_infile is OFF.*multi-row INSERTs/);
    expect(off?.fix).toMatch(/SET GLOBAL local_infile = ON/);
    const unknown = facts({ destination: destinationFacts({ localInfile: undefined }) });
    expect(check("destination.local_infile", unknown)?.detail).toMatch(/not readable/);
    const keeping = facts({ destination: destinationFacts({ localInfile: false }) });
    expect(check("destination.local_infile", keeping, { conflictMode: "ignore-and-proceed" })?.status).toBe(
      "pass",
    );
    expect(
      check("destination.local_infile", facts(), { migrationTypes: ["schema", "incremental"] }),
    ).toBeUndefined();
  });

  it("needs a destination database that exists or can be created", () => {
    const f = facts({
      destination: destinationFacts({ grants: ["GRANT SELECT, INSERT ON `other`.* TO `w`@`%`"] }),
    });
    expect(check("destination.database", f)).toMatchObject({
      status: "fail",
      fix: expect.stringMatching(/CREATE DATABASE `shop`/),
    });
    expect(check("destination.privileges", f)?.detail).toMatch(/lacks CREATE, ALTER, INDEX/);
  });

  it("checks the Kafka topics and records their partition count", () => {
    const kafka = { type: "kafka" as const, brokers: ["k:9092"], topic: "orders", ddlTopic: "ddl" };
    const f = facts({ destination: { ok: true, kind: "kafka", topics: { orders: 6 } } });
    expect(check("kafka.topic", f, { destination: kafka })).toMatchObject({
      status: "fail",
      detail: "topic(s) ddl do not exist",
    });
    const both = facts({ destination: { ok: true, kind: "kafka", topics: { orders: 6, ddl: 1 } } });
    expect(check("kafka.topic", both, { destination: kafka })?.detail).toBe(
      "orders: 6 partition(s); ddl: 1 partition(s)",
    );
    expect(check("destination.table_conflicts", both, { destination: kafka })).toBeUndefined();
  });

  it("with delivery exactly-once, needs a transactional producer that can start", () => {
    const kafka = {
      type: "kafka" as const,
      brokers: ["k:9092"],
      topic: "orders",
      delivery: "exactly-once" as const,
    };
    const refused = facts({
      destination: {
        ok: true,
        kind: "kafka",
        topics: { orders: 6 },
        transactions: { ok: false, error: "Kafka: Not authorized to access transactional id" },
      },
    });
    expect(check("kafka.transactions", refused, { destination: kafka })).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/could not start: Kafka: Not authorized/),
      fix: expect.stringMatching(/transactional ids dts-shop\S*\* .*group dts-\S+-checkpoint/),
    });
    const usable = facts({
      destination: { ok: true, kind: "kafka", topics: { orders: 6 }, transactions: { ok: true } },
    });
    expect(check("kafka.transactions", usable, { destination: kafka })?.status).toBe("pass");
    expect(
      check("kafka.transactions", usable, { destination: { ...kafka, delivery: "at-least-once" as const } }),
    ).toBeUndefined();
  });
});
