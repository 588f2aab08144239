import { describe, expect, it } from "vitest";
import { FatalError } from "#core/errors.ts";
import { type DdlAction, ddlScope, translateDdl } from "#core/pipeline/ddl.ts";
import { buildRoutes } from "#core/pipeline/table-route.ts";
import { parseDdl } from "#core/sql/ddl-statement.ts";
import { quoteIdentifier, quoteQualified } from "#core/sql/identifiers.ts";
import { HOSTILE_NAMES as HOSTILE, type Outcome, DDL_CORPUS as statements } from "../support/ddl-corpus.ts";
import { catalogOf, table } from "../support/facts.ts";
import { spec } from "../support/spec-fixtures.ts";

/**
 * The bad-input corpus, replicated DDL and hostile names: whatever a statement from the binlog
 * holds, what reaches the destination names only the task's destination tables; everything else
 * is skipped (only unselected tables) or stops the task with the statement and what to do.
 */
const catalog = catalogOf(
  table("shop", "orders"),
  table("shop", "customers"),
  ...HOSTILE.map((name) => table("shop", name)),
  table("other", "payroll"),
  table("shop", "IF"),
  table("dot.ted", "t"),
);
const task = spec({
  objects: [
    { database: "shop", as: "shop$&2" },
    { database: "dot.ted", tables: [{ name: "t", as: "t`2" }] },
  ],
});
const routes = buildRoutes(task, catalog);
const scope = ddlScope(task, routes, true);
const DESTINATION_DATABASES = new Set(["shop$&2", "dot.ted"]);

/** Every table an applied statement names is a destination table of the task. */
function expectInsideTask(action: DdlAction, sql: string): void {
  if (action.kind !== "apply") return;
  for (const statement of action.statements) {
    const parsed = parseDdl(statement.sql, "");
    expect(parsed.kind, statement.sql).not.toBe("other");
    for (const ref of parsed.tables) {
      expect(DESTINATION_DATABASES.has(ref.database), `${sql} -> ${statement.sql}`).toBe(true);
      if (ref.database === "dot.ted") expect(ref.table).toBe("t`2");
    }
  }
}

const outcome = (sql: string, db = "shop"): Outcome => {
  try {
    const action = translateDdl(sql, db, scope);
    expectInsideTask(action, sql);
    return action.kind;
  } catch (error) {
    expect(error).toBeInstanceOf(FatalError);
    const message = (error as Error).message;
    // The stop names what to do.
    expect(message).toMatch(/by hand|run it again|resume|remove the database|Leave the table out/);
    return "stop";
  }
};

describe("replicated DDL: every name accounted for", () => {
  it.each(statements)("%s -> %s", (sql, expected) => {
    expect(outcome(sql)).toBe(expected);
  });

  it.each(HOSTILE)("a table named %j is written literally, as one name", (name) => {
    const action = translateDdl(`ALTER TABLE ${quoteIdentifier(name)} ADD x INT`, "shop", scope);
    expect(action).toMatchObject({
      kind: "apply",
      statements: [{ sql: `ALTER TABLE ${quoteQualified("shop$&2", name)} ADD x INT` }],
    });
    expectInsideTask(action, name);
    expect(outcome(`DROP TABLE ${quoteIdentifier(name)}, other.payroll`)).toBe("stop");
  });

  it("writes DROP TABLE IF EXISTS only when the statement said it", () => {
    expect(translateDdl("DROP TABLE `IF`", "shop", scope)).toMatchObject({
      statements: [{ sql: "DROP TABLE `shop$&2`.`IF`" }],
    });
  });
});
