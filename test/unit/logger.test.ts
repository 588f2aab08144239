import { describe, expect, it } from "vitest";
import type { LogLevel } from "#core/config.ts";
import { FatalError } from "#core/errors.ts";
import { createLogger, errorFields, eventTask, logCall, sinkLogger } from "#core/logger.ts";

const SECRET = "hunter2-planted";

/** A logger writing into an array, and the raw lines it wrote. */
function capture(level: LogLevel = "info", fields = {}) {
  const lines: string[] = [];
  const log = createLogger({ level }, { fields, destination: { write: (line) => lines.push(line) } });
  return { log, lines, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe("the structured logger", () => {
  it("writes one JSON line per call with stable keys: level, time, the fields, msg last", () => {
    const { log, lines, entries } = capture("info", { task: "orders" });
    log.info("chunk copied", {
      phase: "full-load",
      table: "shop.orders",
      chunk: 7,
      position: { file: "mysql-bin.000003", position: 4 },
      rows: 1000,
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\n$/);
    const [entry] = entries();
    expect(Object.keys(entry ?? {})).toEqual([
      "level",
      "time",
      "task",
      "phase",
      "table",
      "chunk",
      "position",
      "rows",
      "msg",
    ]);
    expect(entry).toMatchObject({
      level: 30,
      task: "orders",
      phase: "full-load",
      table: "shop.orders",
      chunk: 7,
      position: { file: "mysql-bin.000003", position: 4 },
      msg: "chunk copied",
    });
    expect(entry?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // No pid or hostname: a line carries what the project put in it.
    expect(entry).not.toHaveProperty("pid");
  });

  it("applies the redaction rule to every field, nested ones included, and to the message", () => {
    const { log, lines } = capture("debug", { password: SECRET });
    log.info(`connecting to mysql://root:${SECRET}@db:3306/shop with password=${SECRET}`, {
      source: { host: "db", user: "root", password: SECRET, url: `mysql://root:${SECRET}@db` },
      apiToken: SECRET,
      options: [{ passwd: SECRET }],
    });
    log.child({ destination: { secret: SECRET } }).warn("child line", { token: SECRET });
    log.error("failed", { error: new Error(`cannot connect to mysql://u:${SECRET}@db`) });
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).not.toContain(SECRET);
    const first = JSON.parse(lines[0] ?? "{}");
    expect(first.msg).toBe("connecting to mysql://(hidden)@db:3306/shop with password=(hidden)");
    expect(first.source).toEqual({
      host: "db",
      user: "root",
      password: "(hidden)",
      url: "mysql://(hidden)@db",
    });
    expect(first.password).toBe("(hidden)");
  });

  it("writes the lines at or above the configured level", () => {
    const at = (level: LogLevel) => {
      const { log, entries } = capture(level);
      log.debug("d");
      log.info("i");
      log.warn("w");
      log.error("e");
      return entries().map((e) => `${e.level}:${e.msg}`);
    };
    expect(at("debug")).toEqual(["20:d", "30:i", "40:w", "50:e"]);
    expect(at("info")).toEqual(["30:i", "40:w", "50:e"]);
    expect(at("error")).toEqual(["50:e"]);
    expect(at("silent")).toEqual([]);
  });

  it("writes an error as its name and message, with a stack only when it is not a DtsError", () => {
    const fatal = new FatalError(
      "the source no longer has binlog mysql-bin.000001: run the full load again",
      {
        cause: new Error("ER_MASTER_FATAL_ERROR_READING_BINLOG"),
      },
    );
    expect(errorFields(fatal)).toEqual({
      name: "FatalError",
      message: "the source no longer has binlog mysql-bin.000001: run the full load again",
      cause: "ER_MASTER_FATAL_ERROR_READING_BINLOG",
    });
    const bug = errorFields(new TypeError("x is undefined"));
    expect(bug).toMatchObject({ name: "TypeError", message: "x is undefined" });
    expect(bug.stack).toMatch(/logger\.test\.ts/);
    expect(errorFields("a string")).toEqual({ name: "Error", message: "a string" });
  });

  it("hands lines to a sink as objects", () => {
    const seen: Record<string, unknown>[] = [];
    sinkLogger((entry) => seen.push(entry)).warn("request refused", { status: 403, token: SECRET });
    expect(seen).toEqual([
      expect.objectContaining({ level: 40, msg: "request refused", status: 403, token: "(hidden)" }),
    ]);
  });
});

describe("a logged call", () => {
  it("logs its outcome once: ok with a summary, or failed with the error, which is rethrown", async () => {
    const { log, entries } = capture();
    const fields = { function: "schema", task: "orders" };
    expect(
      await logCall(
        log,
        "handler call",
        fields,
        async () => ({ tables: 3 }),
        (r) => r,
      ),
    ).toEqual({ tables: 3 });
    const failure = new FatalError("table shop.t has no primary key: add one or skip the table");
    await expect(
      logCall(log, "handler call", fields, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    const [ok, failed] = entries();
    expect(ok).toMatchObject({ level: 30, function: "schema", task: "orders", outcome: "ok", tables: 3 });
    expect(ok?.ms).toEqual(expect.any(Number));
    expect(failed).toMatchObject({
      level: 50,
      task: "orders",
      outcome: "failed",
      error: { name: "FatalError", message: failure.message },
    });
    expect(failed?.error).not.toHaveProperty("stack");
  });

  it("finds the task in a state machine event", () => {
    expect(eventTask({ spec: { name: "orders" } })).toBe("orders");
    expect(eventTask({ spec: "not a spec" })).toBeUndefined();
    expect(eventTask(null)).toBeUndefined();
  });
});
