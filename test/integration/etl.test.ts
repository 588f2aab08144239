import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEnvironment } from "../../local/environment.ts";
import { createTopic, decodeCanal, readTopic, rebuild } from "../support/kafka.ts";
import { writeSpecFile } from "../support/spec-fixtures.ts";
import { dts, STACK, sql } from "../support/stack.ts";

/** Drops rows with id > 900, masks the phone, upper-cases the name, computes and stamps columns. */
const SCRIPT = `script: e_compose(
  e_if(op_gt(\`id\`, 900), e_drop()),
  e_set(\`phone\`, str_mask(\`phone\`, 3, 6, '*')),
  e_set(\`name\`, str_upper(\`name\`)),
  e_set(\`total\`, op_mul(\`amount\`, 2)),
  e_set(\`op\`, __OPERATION__),
  e_set(\`stamped\`, __COMMIT_TIMESTAMP__)
)`;

function etl(db: string) {
  return {
    script: SCRIPT,
    addColumns: [
      { table: `${db}.people`, name: "total", type: "DECIMAL(12,2)" },
      { table: `${db}.people`, name: "op", type: "VARCHAR(10)" },
      { table: `${db}.people`, name: "stamped", type: "DATETIME" },
    ],
  };
}

async function seed(db: string): Promise<void> {
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS ${db}`,
    `CREATE DATABASE ${db}`,
    `CREATE TABLE ${db}.people (id INT NOT NULL PRIMARY KEY, name VARCHAR(30) NOT NULL, phone VARCHAR(20) NOT NULL, amount DECIMAL(10,2) NOT NULL)`,
    `INSERT INTO ${db}.people SELECT seq, CONCAT('person ', seq), CONCAT('1', LPAD(seq * 7919 MOD 10000000000, 10, '0')), seq / 4 FROM ${db}.seq_1_to_800`,
    `INSERT INTO ${db}.people SELECT seq, CONCAT('late ', seq), '13800000000', 1 FROM ${db}.seq_901_to_950`,
  ]);
}

/** Changes after the full load; returns the ids whose last change was an UPDATE. */
async function change(db: string): Promise<Set<number>> {
  await sql(STACK.source.port, [
    `INSERT INTO ${db}.people SELECT seq, CONCAT('new ', seq), '13912345678', seq FROM ${db}.seq_801_to_810`,
    `INSERT INTO ${db}.people VALUES (960, 'dropped', '13700000000', 5)`,
    `UPDATE ${db}.people SET amount = amount + 0.25, name = CONCAT(name, ' jr') WHERE id BETWEEN 1 AND 20`,
    `DELETE FROM ${db}.people WHERE id BETWEEN 30 AND 35`,
    `UPDATE ${db}.people SET amount = 0 WHERE id = 940`,
  ]);
  return new Set(Array.from({ length: 20 }, (_, i) => i + 1));
}

/** What the script makes of the source's rows, computed by the source itself (not by our engine). */
async function expected(db: string, updated: Set<number>) {
  const connection = await mysql.createConnection(STACK.source);
  try {
    const [rows] = (await connection.query(
      `SELECT id, UPPER(name) AS name, CONCAT(LEFT(phone, 3), '****', SUBSTRING(phone, 8)) AS phone,
              CAST(amount AS CHAR) AS amount, CAST(amount * 2 AS CHAR) AS total
         FROM ${db}.people WHERE id <= 900 ORDER BY id`,
    )) as unknown as [{ id: number; name: string; phone: string; amount: string; total: string }[]];
    return rows.map((r) => ({ ...r, op: updated.has(r.id) ? "UPDATE" : "INSERT" }));
  } finally {
    await connection.end();
  }
}

beforeAll(() => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
});
const tasks: string[] = [];
afterAll(async () => {
  for (const task of tasks) await dts(["stop", task]);
});

describe("an ETL script in full and incremental migration", () => {
  it("into MySQL: the destination equals the source transformed by the script, row by row", async () => {
    const db = "etl_my";
    tasks.push("etl-mysql");
    await seed(db);
    await sql(STACK.destination.port, [`DROP DATABASE IF EXISTS ${db}`]);
    const specFile = await writeSpecFile({
      name: "etl-mysql",
      migrationTypes: ["schema", "full", "incremental"],
      objects: [{ database: db }],
      etl: etl(db),
    });
    const precheck = await dts(["precheck", specFile]);
    expect(precheck.stdout).toMatch(/etl\.script/);
    expect(precheck.code).toBe(0);
    const started = Date.now();
    expect((await dts(["run", specFile, "--until", "caught-up"])).stdout).toMatch(/caught up/);
    const updated = await change(db);
    expect((await dts(["run", specFile, "--until", "caught-up"])).stdout).toMatch(/caught up/);

    const destination = await mysql.createConnection(STACK.destination);
    const [rows] = (await destination.query(
      `SELECT id, name, phone, CAST(amount AS CHAR) AS amount, CAST(total AS CHAR) AS total, op, CAST(stamped AS CHAR) AS stamped FROM ${db}.people ORDER BY id`,
    )) as unknown as [Record<string, unknown>[]];
    await destination.end();
    const want = await expected(db, updated);
    expect(rows.map(({ stamped: _, ...rest }) => rest)).toEqual(want);
    for (const row of rows) {
      const stamped = Date.parse(`${String(row.stamped).replace(" ", "T")}Z`);
      expect(stamped).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000 - 60_000);
      expect(stamped).toBeLessThanOrEqual(Date.now());
    }
    // The script drops rows, so verify says the table was not compared instead of reporting them missing.
    const verify = await dts(["verify", specFile]);
    expect(verify.stdout).toMatch(/etl_my\.people: not compared: the ETL script can drop rows/);
    expect(verify.stdout).toMatch(/Equal: every compared row and column arrived exactly \(see the notes\)/);
    expect(verify.code).toBe(0);
  }, 240_000);

  it("into Kafka (canal-json): the rebuilt table equals the source transformed by the script", async () => {
    const db = "etl_kc";
    tasks.push("etl-kafka");
    await seed(db);
    const topic = await createTopic("etl-people", 2);
    const specFile = await writeSpecFile({
      name: "etl-kafka",
      migrationTypes: ["schema", "full", "incremental"],
      objects: [{ database: db }],
      destination: {
        type: "kafka",
        brokers: [STACK.kafkaPlain],
        topic,
        format: "canal-json",
        partitionPolicy: "hash-pk",
      },
      etl: etl(db),
    });
    expect((await dts(["run", specFile, "--until", "caught-up"])).stdout).toMatch(/caught up/);
    const updated = await change(db);
    expect((await dts(["run", specFile, "--until", "caught-up"])).stdout).toMatch(/caught up/);

    const messages = (await readTopic(topic)).map((m) => decodeCanal(m.value));
    const ddl = messages.filter((m) => m.ddl).map((m) => (m.ddl ? m.sql : ""));
    expect(ddl.some((sql) => /ADD COLUMN `total` DECIMAL\(12,2\)/.test(sql))).toBe(true);
    const table = rebuild(messages).get(`${db}.people`) ?? new Map();
    const got = [...table.values()]
      .map((r) => ({
        id: Number(r.id),
        name: r.name,
        phone: r.phone,
        amount: r.amount,
        total: Number(r.total).toFixed(2),
        op: r.op,
        stamped: r.stamped,
      }))
      .sort((a, b) => a.id - b.id);
    expect(got.map(({ stamped: _, ...rest }) => rest)).toEqual(await expected(db, updated));
    for (const row of got) expect(row.stamped).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  }, 240_000);

  it("precheck rejects a script that calls an unknown function, naming line and column", async () => {
    await seed("etl_bad");
    const specFile = await writeSpecFile({
      name: "etl-bad",
      migrationTypes: ["schema", "full"],
      objects: [{ database: "etl_bad" }],
      etl: { script: "e_set(`name`,\n  str_uper(`name`))" },
    });
    const precheck = await dts(["precheck", specFile, "--json"]);
    expect(precheck.code).toBe(1);
    const report = JSON.parse(precheck.stdout) as {
      checks: { id: string; status: string; detail: string }[];
    };
    expect(report.checks.find((c) => c.id === "etl.script")).toMatchObject({
      status: "fail",
      detail: "line 2, column 3: unknown function str_uper (did you mean str_upper?)",
    });
  }, 60_000);
});
