import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANAL_FIELDS } from "#core/sinks/kafka/canal-json.ts";
import { partitionOf } from "#core/sinks/kafka/partition.ts";
import { localEnvironment } from "../../local/environment.ts";
import { javaDecode, withSdkImages } from "../support/java-consumers.ts";
import {
  createTopic,
  type Decoded,
  decodeAvro,
  decodeCanal,
  expectRebuiltEqualsSource,
  type ReadMessage,
  readTopic,
  sixDigitFraction,
} from "../support/kafka.ts";
import { writeSpecFile } from "../support/spec-fixtures.ts";
import { dts, STACK, sql } from "../support/stack.ts";
import { typesFixture } from "../support/types-fixture.ts";

const TABLES = ["all_types", "pairs", "orders", "empty_one", "single"];
const scram = { mechanism: "scram-sha-256", ...STACK.kafkaUser };

/** Changes made after the full load, so every type also travels through the binlog. */
function changes(db: string): string[] {
  return [
    "SET SESSION sql_mode = ''",
    `INSERT INTO ${db}.all_types SELECT id + 100, t, tu, s, su, m, mu, i, iu, b, bu, d, f, g, dt, dtm, ts, tm, y, c, v, tx, l1, bin, vb, bl, b1, b64, e, st, j, geo FROM ${db}.all_types`,
    `UPDATE ${db}.all_types SET v = 'changed 🚀', d = d / 3, bl = NULL, geo = ST_GeomFromText('POINT(3 4)') WHERE id = 1`,
    `UPDATE ${db}.all_types SET id = 1000 WHERE id = 2`,
    `DELETE FROM ${db}.all_types WHERE id = 103`,
    `UPDATE ${db}.pairs SET a = a + 1000 WHERE a < 3`,
    `UPDATE ${db}.pairs SET note = CONCAT(note, '!') WHERE a BETWEEN 10 AND 20`,
    `DELETE FROM ${db}.orders WHERE id <= 10`,
    `INSERT INTO ${db}.empty_one VALUES (1, 1), (2, NULL)`,
    `UPDATE ${db}.single SET code = 'moved'`,
    `ALTER TABLE ${db}.orders ADD COLUMN memo VARCHAR(20) NULL`,
    `INSERT INTO ${db}.orders (id, status, amount, memo) VALUES (100000, 'new', 1.00, 'after alter')`,
  ];
}

async function migrate(
  task: string,
  db: string,
  destination: Record<string, unknown>,
): Promise<ReadMessage[]> {
  await sql(STACK.source.port, typesFixture(db));
  const specFile = await writeSpecFile({
    name: task,
    migrationTypes: ["schema", "full", "incremental"],
    objects: [{ database: db }],
    destination: { type: "kafka", brokers: [STACK.kafkaSasl], sasl: scram, ...destination } as never,
  });
  const run = await dts(["run", specFile, "--until", "caught-up"]);
  expect(run.stdout + run.stderr).toMatch(/caught up/);
  expect(run.code).toBe(0);
  await sql(STACK.source.port, changes(db));
  const caughtUp = await dts(["run", specFile, "--until", "caught-up"]);
  expect(caughtUp.stdout).toMatch(/caught up/);
  return readTopic(destination.topic as string);
}

beforeAll(() => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
});

/** Alibaba's SDK reads every dts-avro message without error, and its values rebuild the source's tables. */
async function expectSdkRebuildsSource(db: string, messages: ReadMessage[]) {
  const sdk = javaDecode(
    "avro",
    messages.map((m) => m.value),
  );
  expect(sdk.filter((r) => r.error).map((r) => r.error)).toEqual([]);
  const decoded = messages.map((m, i) => withSdkImages(decodeAvro(m.value), sdk[i] ?? {}));
  await expectRebuiltEqualsSource(db, TABLES, decoded, sixDigitFraction);
  return sdk;
}

const started: string[] = [];
afterAll(async () => {
  for (const task of started) await dts(["stop", task]);
});

describe("Kafka destination, canal-json, hash-pk (SASL/SCRAM-SHA-256)", () => {
  let messages: ReadMessage[] = [];
  let decoded: Decoded[] = [];
  const db = "kc_types";

  beforeAll(async () => {
    started.push("kafka-canal");
    const topic = await createTopic("kc-types", 3);
    messages = await migrate("kafka-canal", db, { topic, format: "canal-json", partitionPolicy: "hash-pk" });
    decoded = messages.map((m) => decodeCanal(m.value));
  }, 240_000);

  it("rebuilds every table exactly from the messages (snapshot, then changes in order per key)", async () => {
    await expectRebuiltEqualsSource(db, TABLES, decoded);
  });

  it("writes the flat-message fields by the rules consumers rely on", () => {
    for (const m of messages) {
      const message = JSON.parse(m.value.toString("utf8"));
      expect(Object.keys(message)).toEqual([...CANAL_FIELDS]);
      expect(typeof message.id).toBe("number");
      expect(typeof message.es).toBe("number");
      expect(message.es % 1000).toBe(0);
      expect(typeof message.ts).toBe("number");
      if (message.isDdl) {
        expect(message.data).toBeNull();
        expect(message.sql).not.toBe("");
        expect(["CREATE", "ALTER", "ERASE", "TRUNCATE", "RENAME", "CINDEX", "DINDEX", "QUERY"]).toContain(
          message.type,
        );
        continue;
      }
      expect(message.sql).toBe("");
      expect(["INSERT", "UPDATE", "DELETE"]).toContain(message.type);
      for (const row of message.data)
        for (const v of Object.values(row)) expect(v === null || typeof v === "string").toBe(true);
      if (message.type === "UPDATE") {
        const [old] = message.old;
        const [now] = message.data;
        expect(Object.keys(old).length).toBeGreaterThan(0);
        for (const [column, value] of Object.entries(old)) expect(now[column]).not.toBe(value);
      } else expect(message.old).toBeNull();
    }
    const alterDdl = decoded.find((d) => d.ddl && /ADD COLUMN memo/.test(d.sql));
    expect(alterDdl).toMatchObject({ database: db, table: "orders" });
    const types = JSON.parse(
      (
        messages.find(
          (m) => m.value.includes('"table":"all_types"') && m.value.includes('"isDdl":false'),
        ) as ReadMessage
      ).value.toString(),
    );
    expect(types.sqlType).toMatchObject({ bu: 3, iu: -5, i: 4, b: -5, v: 12, d: 3, bl: 2004, dtm: 93 });
    expect(types.mysqlType).toMatchObject({
      bu: "bigint(20) unsigned",
      d: "decimal(65,30)",
      v: "varchar(100)",
    });
    expect(types.pkNames).toEqual(["id"]);
  });

  it("Canal's own FlatMessage (fastjson2) reads every message, with the source's values and Canal's types", async () => {
    const flat = javaDecode(
      "canal",
      messages.map((m) => m.value),
    );
    expect(flat.filter((f) => f.error)).toEqual([]);
    const decoded = flat.map((f) => decodeCanal(Buffer.from(JSON.stringify(f))));
    await expectRebuiltEqualsSource(db, TABLES, decoded);
    const types = flat.find((f) => f.table === "all_types" && !f.isDdl) as { sqlType: object };
    // As Canal's own producer writes them: BLOB (2004) for BINARY and VARBINARY too.
    expect(types.sqlType).toMatchObject({ bin: 2004, vb: 2004, bl: 2004, f: 7, g: 8 });
  }, 600_000);

  it("puts each row on the partition of Java's hashCode of its key values, DDL on partition 0", () => {
    for (const m of messages) {
      const message = decodeCanal(m.value);
      if (message.ddl) {
        expect(m.partition).toBe(0);
        continue;
      }
      const image = (message.after ?? message.before) as Record<string, string | null>;
      const key = message.key.map((k) => image[k] ?? "").join(",");
      expect(m.key).toBe(key);
      expect(m.partition).toBe(partitionOf(key, 3));
    }
    expect(new Set(messages.map((m) => m.partition)).size).toBe(3);
  });

  it("sends a key-changing UPDATE as the old key's DELETE and the new key's INSERT", () => {
    const rows = decoded.filter(
      (d): d is Extract<Decoded, { ddl: false }> => !d.ddl && d.table === "all_types",
    );
    expect(rows.some((d) => d.op === "DELETE" && d.before?.id === "2")).toBe(true);
    expect(rows.some((d) => d.op === "INSERT" && d.after?.id === "1000")).toBe(true);
  });
});

describe("Kafka destination, dts-avro, hash-table", () => {
  let messages: ReadMessage[] = [];
  const db = "ka_types";

  beforeAll(async () => {
    started.push("kafka-avro");
    const topic = await createTopic("ka-types", 4);
    messages = await migrate("kafka-avro", db, { topic, format: "dts-avro", partitionPolicy: "hash-table" });
  }, 240_000);

  it("every message decodes with the published schema and rebuilds every table exactly", async () => {
    const decoded = messages.map((m) => decodeAvro(m.value));
    await expectRebuiltEqualsSource(db, TABLES, decoded, sixDigitFraction);
    const ops = new Set(decoded.map((d) => (d.ddl ? "DDL" : d.op)));
    expect([...ops].sort()).toEqual(["DDL", "DELETE", "INIT", "INSERT", "UPDATE"]);
  });

  it("Alibaba's subscription SDK reads every message, and every value it returns is the source's", async () => {
    const sdk = await expectSdkRebuildsSource(db, messages);
    const objectTypes: Record<string, string> = {};
    for (const r of sdk.filter((x) => x.objectName === `${db}.all_types` && x.after))
      r.fields?.forEach((name, i) => {
        const objectType = r.after?.[i]?.[1];
        if (objectType) objectTypes[name] = objectType;
      });
    // MariaDB's JSON is LONGTEXT: a Character value, not a TextObject.
    expect(objectTypes).toEqual({ bin: "BINARY", vb: "BINARY", bl: "BLOB", e: "ENUM", st: "SET" });
  }, 600_000);

  it("fills the Record as documented: INIT/INSERT after images, DELETE before, UPDATE both, DDL as text", () => {
    for (const m of messages) {
      const { record } = decodeAvro(m.value);
      expect(record.version).toBe(1);
      expect(typeof record.id).toBe("number");
      const operation = record.operation as string;
      if (operation === "DDL") {
        expect(record.fields).toBeNull();
        expect(typeof (record.afterImages as { string: string }).string).toBe("string");
        continue;
      }
      expect(record.beforeImages === null).toBe(operation === "INIT" || operation === "INSERT");
      expect(record.afterImages === null).toBe(operation === "DELETE");
      expect((record.tags as Record<string, string>).pk_uk_info).toMatch(/^\{"/);
      if (operation !== "INIT") expect(record.sourcePosition).toMatch(/^mysql-bin\.\d+:\d+$/);
    }
  });

  it("puts every message of a table on the partition of hashCode(database + table)", () => {
    for (const m of messages) {
      const d = decodeAvro(m.value);
      const expected = d.table === "" ? 0 : partitionOf(d.database + d.table, 4);
      expect(m.partition, `${d.database}.${d.table}`).toBe(expected);
    }
  });
});

describe("the other partition policy of each format, read by the ecosystem's own consumers", () => {
  const canalDb = "kc_policy";
  const avroDb = "ka_policy";
  let canal: ReadMessage[] = [];
  let avro: ReadMessage[] = [];

  beforeAll(async () => {
    started.push("kafka-canal-table", "kafka-avro-pk");
    const canalTopic = await createTopic("kc-policy", 3);
    canal = await migrate("kafka-canal-table", canalDb, {
      topic: canalTopic,
      format: "canal-json",
      partitionPolicy: "hash-table",
    });
    const avroTopic = await createTopic("ka-policy", 3);
    avro = await migrate("kafka-avro-pk", avroDb, {
      topic: avroTopic,
      format: "dts-avro",
      partitionPolicy: "hash-pk",
    });
  }, 480_000);

  it("canal-json under hash-table: Canal's FlatMessage reads every message and rebuilds every table", async () => {
    const flat = javaDecode(
      "canal",
      canal.map((m) => m.value),
    );
    expect(flat.filter((f) => f.error)).toEqual([]);
    await expectRebuiltEqualsSource(
      canalDb,
      TABLES,
      flat.map((f) => decodeCanal(Buffer.from(JSON.stringify(f)))),
    );
  }, 600_000);

  it("dts-avro under hash-pk: Alibaba's SDK reads every message, every value the source's", async () => {
    await expectSdkRebuildsSource(avroDb, avro);
  }, 600_000);
});
