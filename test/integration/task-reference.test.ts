import { beforeAll, describe, expect, it } from "vitest";
import { taskReference } from "#core/api/task-step.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import { defaultTaskStore } from "#core/store/index.ts";
import { runLocally } from "../../local/runner.ts";
import { forgetTask, specInput } from "../support/spec-fixtures.ts";
import { STACK, sql } from "../support/stack.ts";

const DB = "ref_many";
const TABLES = 40;
const ids = Array.from({ length: TABLES }, (_, i) => i);

beforeAll(async () => {
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS ${DB}`,
    `CREATE DATABASE ${DB}`,
    ...ids.flatMap((i) => [
      `CREATE TABLE ${DB}.items_${i} (id INT PRIMARY KEY, sku VARCHAR(20), amount INT, KEY by_sku (sku))`,
      `INSERT INTO ${DB}.items_${i} VALUES (1, 'a', ${i}), (2, 'b', ${i}), (3, 'c', ${i})`,
    ]),
  ]);
  await sql(STACK.destination.port, [`DROP DATABASE IF EXISTS ${DB}_copy`]);
  for (const task of ["ref-many", "ref-unsaved"]) await forgetTask(task);
});

describe("executions whose input names a saved task", () => {
  it("run a task of many mapped tables with only counts and flags in the state", async () => {
    const spec = parseTaskSpec(
      specInput({
        name: "ref-many",
        migrationTypes: ["schema", "full"],
        objects: [
          {
            database: DB,
            as: `${DB}_copy`,
            tables: ids.map((i) => ({
              name: `items_${i}`,
              as: `copied_${i}`,
              columns: ["id", { name: "sku", as: "code" }],
            })),
          },
        ],
      }),
    );
    const store = defaultTaskStore();
    await store.saveSpec(spec);
    const execution = await runLocally(taskReference(spec.name));
    expect(execution.status, execution.cause).toBe("SUCCEEDED");
    // The state at the end: the reference, and each step's counts and flags.
    const state = execution.output as Record<string, unknown>;
    expect(state.spec).toEqual({ task: "ref-many" });
    expect(state.schema).toEqual({ tables: TABLES, notes: expect.any(Number) });
    expect(state.indexes).toEqual({ built: TABLES, done: true, pending: 0 });
    expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThan(4 * 1024);
    // The task record has the lists the state left out.
    const task = await store.get(spec.name);
    expect(task?.phase).toBe("completed");
    expect(task?.schema?.createdTables).toHaveLength(TABLES);
    expect(task?.indexes).toMatchObject({ tables: TABLES, pending: [] });
    expect(task?.fullLoad?.rows).toBe(TABLES * 3);
    const [rows] = (await sql(STACK.destination.port, [
      `SELECT COUNT(*) AS n, SUM(code = 'b') AS b FROM ${DB}_copy.copied_${TABLES - 1}`,
    ])) as { n: number; b: string }[][];
    expect(rows?.[0]).toMatchObject({ n: 3, b: "1" });
  });

  it("fail with SpecError naming what to do when the task was never saved", async () => {
    const execution = await runLocally(taskReference("ref-unsaved"));
    expect(execution.status).toBe("FAILED");
    expect(execution.error).toBe("SpecError");
    expect(execution.cause).toMatch(
      /names task "ref-unsaved", which was never saved: start it with POST \/tasks/,
    );
    expect(await defaultTaskStore().get("ref-unsaved")).toBeUndefined();
  });
});
