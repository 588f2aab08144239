import type { Connection, RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FatalError } from "#core/errors.ts";
import { ddlScope, translateDdl } from "#core/pipeline/ddl.ts";
import { buildRoutes } from "#core/pipeline/table-route.ts";
import { openDestination } from "#core/source/connection.ts";
import { quoteIdentifier, quoteQualified } from "#core/sql/identifiers.ts";
import { DDL_CORPUS, HOSTILE_NAMES } from "../support/ddl-corpus.ts";
import { catalogOf, table } from "../support/facts.ts";
import { spec } from "../support/spec-fixtures.ts";
import { STACK, sql } from "../support/stack.ts";

/**
 * The DDL corpus against a real server: every statement the tailer would apply is run on the
 * destination, and the server itself shows that nothing outside the task changed. This checks the
 * translation with MySQL's own lexer and parser, not with the project's reading of the text.
 */
const TASK_DB = "orc_task";
/** Databases outside the task on the destination, named as the corpus's unselected ones and as the source. */
const OUTSIDE = ["shop", "other", "dot", "dot.ted"];
const catalog = catalogOf(
  table("shop", "orders"),
  table("shop", "customers"),
  table("shop", "IF"),
  ...HOSTILE_NAMES.map((name) => table("shop", name)),
);
const task = spec({ objects: [{ database: "shop", as: TASK_DB }] });
const scope = ddlScope(task, buildRoutes(task, catalog), true);
let destination: Connection;

async function outsideState(): Promise<string> {
  const [rows] = await destination.query<RowDataPacket[]>(
    "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, ENGINE AS engine, CREATE_OPTIONS AS options, TABLE_COMMENT AS comment FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?) ORDER BY 1, 2",
    [OUTSIDE],
  );
  const [schemas] = await destination.query<RowDataPacket[]>(
    "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?) ORDER BY 1",
    [OUTSIDE],
  );
  return JSON.stringify({ rows, schemas });
}

async function resetTaskDatabase(): Promise<void> {
  await destination.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(TASK_DB)}`);
  await destination.query(`CREATE DATABASE ${quoteIdentifier(TASK_DB)}`);
  for (const name of ["orders", "customers", "IF", ...HOSTILE_NAMES])
    await destination.query(
      `CREATE TABLE ${quoteQualified(TASK_DB, name)} (id BIGINT PRIMARY KEY, status VARCHAR(20), amount DECIMAL(10,2))`,
    );
}

beforeAll(async () => {
  const statements = [...OUTSIDE.map((db) => `DROP DATABASE IF EXISTS ${quoteIdentifier(db)}`)];
  for (const db of OUTSIDE) {
    statements.push(`CREATE DATABASE ${quoteIdentifier(db)}`);
    for (const name of ["payroll", "orders", "t", "x", "ted.t"])
      statements.push(`CREATE TABLE ${quoteQualified(db, name)} (id BIGINT PRIMARY KEY, salary INT)`);
  }
  await sql(STACK.destination.port, statements);
  destination = await openDestination({ ...STACK.destination, type: "mysql" } as never);
});

afterAll(async () => {
  await destination?.end();
  await sql(STACK.destination.port, [
    `DROP DATABASE IF EXISTS ${quoteIdentifier(TASK_DB)}`,
    ...OUTSIDE.map((db) => `DROP DATABASE IF EXISTS ${quoteIdentifier(db)}`),
  ]);
});

describe("replicated DDL on a real server", () => {
  it("every applied statement leaves every database outside the task as it was", async () => {
    const before = await outsideState();
    let applied = 0;
    for (const [sqlText] of DDL_CORPUS) {
      let action: ReturnType<typeof translateDdl>;
      try {
        action = translateDdl(sqlText, "shop", scope);
      } catch (error) {
        expect(error, sqlText).toBeInstanceOf(FatalError);
        continue;
      }
      if (action.kind !== "apply") continue;
      await resetTaskDatabase();
      for (const statement of action.statements) {
        // The server may refuse what it is given (a partition clause on a plain table): the point
        // is what it may not do.
        await destination.query(statement.sql).catch(() => undefined);
        applied++;
      }
      expect(await outsideState(), `${sqlText} changed a table outside the task`).toBe(before);
    }
    expect(applied).toBeGreaterThan(20);
  });
});
