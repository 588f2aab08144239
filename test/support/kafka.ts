import { readFileSync } from "node:fs";
import avro from "avsc";
import { Kafka, logLevel } from "kafkajs";
import mysql from "mysql2/promise";
import { expect } from "vitest";
import { SPATIAL_TYPES } from "#core/model/data-types.ts";
import { javaFloatText } from "#core/sinks/kafka/values.ts";
import { REPO, STACK } from "./stack.ts";

const kafka = () => new Kafka({ brokers: [STACK.kafkaPlain], logLevel: logLevel.NOTHING });

/** Creates a topic with a name unique to this run. */
export async function createTopic(base: string, partitions: number): Promise<string> {
  const topic = `${base}-${Date.now().toString(36)}`;
  const admin = kafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

export interface ReadMessage {
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer;
}

/**
 * Consumes `topic` from the beginning into a list until `done(messages)` holds or `timeoutMs`
 * passes (read_committed, kafkajs's default: aborted transactions and commit markers skipped).
 */
async function consume(
  topic: string,
  done: (messages: ReadMessage[]) => boolean,
  timeoutMs: number,
): Promise<ReadMessage[]> {
  const consumer = kafka().consumer({ groupId: `test-${topic}-${Date.now()}`, maxBytes: 50 << 20 });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      messages.push({
        partition,
        offset: Number(message.offset),
        key: message.key ? message.key.toString() : null,
        value: message.value ?? Buffer.alloc(0),
      });
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (!done(messages) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return messages.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Every message of a topic up to its current end, per partition in offset order. */
export async function readTopic(topic: string): Promise<ReadMessage[]> {
  const admin = kafka().admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = offsets.reduce((sum, p) => sum + Number(p.high), 0);
  if (total === 0) return [];
  const messages = await consume(topic, (read) => read.length >= total, 60_000);
  if (messages.length < total) throw new Error(`read ${messages.length} of ${total} messages of ${topic}`);
  return messages;
}

/**
 * The committed messages of a topic as a read_committed consumer sees them: read until
 * `expected` arrived, then `graceMs` more, so messages beyond the expected count (duplicates) are
 * caught too.
 */
export async function readCommitted(topic: string, expected: number, graceMs = 3000): Promise<ReadMessage[]> {
  let reached = 0;
  return consume(
    topic,
    (read) => {
      if (read.length < expected) return false;
      reached ||= Date.now();
      return Date.now() - reached >= graceMs;
    },
    90_000 + graceMs,
  );
}

/** One decoded row message, values as canal-json strings (or null). */
export interface DecodedRow {
  op: "INIT" | "INSERT" | "UPDATE" | "DELETE";
  database: string;
  table: string;
  key: string[];
  before: Record<string, string | null> | null;
  after: Record<string, string | null> | null;
}

export type Decoded =
  | { ddl: true; database: string; table: string; sql: string }
  | ({ ddl: false } & DecodedRow);

export function decodeCanal(value: Buffer): Decoded {
  const m = JSON.parse(value.toString("utf8"));
  if (m.isDdl) return { ddl: true, database: m.database, table: m.table, sql: m.sql };
  const data = m.data[0];
  const before = m.type === "DELETE" ? data : m.type === "UPDATE" ? { ...data, ...m.old[0] } : null;
  return {
    ddl: false,
    op: m.type,
    database: m.database,
    table: m.table,
    key: m.pkNames ?? [],
    before,
    after: m.type === "DELETE" ? null : data,
  };
}

/** The published dts-avro schema (test/fixtures, as the product publishes it for its consumers). */
const PUBLISHED = JSON.parse(
  readFileSync(`${REPO}test/fixtures/dts-avro-record.avsc`, "utf8"),
) as avro.Schema[];
const registry: Record<string, avro.Type> = {};
for (const schema of PUBLISHED) avro.Type.forSchema(schema, { registry, wrapUnions: true });
export const PUBLISHED_RECORD = registry["com.alibaba.dts.formats.avro.Record"] as avro.Type;

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, "0");

/** An Avro image value as the canal-json string of the same column (null stays null). */
function avroText(value: Record<string, Record<string, unknown>> | null, typeNumber: number): string | null {
  if (value === null) return null;
  const [name, body] = Object.entries(value)[0] as [string, Record<string, unknown>];
  switch (name.split(".").pop()) {
    case "Integer":
    case "Decimal":
      return String(body.value);
    case "Float":
      return javaFloatText(body.value as number, typeNumber === 4);
    case "Character":
      return String(body.charset) === "latin1"
        ? new TextDecoder("windows-1252").decode(body.value as Buffer)
        : (body.value as Buffer).toString("utf8");
    case "BinaryObject":
    case "BinaryGeometry":
      return (body.value as Buffer).toString("latin1");
    case "TextObject":
      return String(body.value);
    case "Timestamp": {
      const seconds = body.timestamp as number;
      if (seconds === 0 && body.millis === 0) return "0000-00-00 00:00:00.000000";
      const d = new Date(seconds * 1000).toISOString();
      return `${d.slice(0, 10)} ${d.slice(11, 19)}.${pad(body.millis as number, 6)}`;
    }
    case "DateTime": {
      const part = (k: string) => (body[k] as { int: number } | null)?.int;
      const [y, mo, d, h, mi, s, us] = ["year", "month", "day", "hour", "minute", "second", "millis"].map(
        part,
      );
      if (typeNumber === 13) return pad(y ?? 0, 4);
      if (typeNumber === 10) return `${pad(y ?? 0, 4)}-${pad(mo ?? 0)}-${pad(d ?? 0)}`;
      const negative = [h, mi, s, us].some((v) => (v ?? 0) < 0);
      const clock = `${pad(h ?? 0)}:${pad(mi ?? 0)}:${pad(s ?? 0)}.${pad(us ?? 0, 6)}`;
      if (typeNumber === 11) return `${negative ? "-" : ""}${clock}`;
      return `${pad(y ?? 0, 4)}-${pad(mo ?? 0)}-${pad(d ?? 0)} ${clock}`;
    }
    default:
      return JSON.stringify(body);
  }
}

export function decodeAvro(value: Buffer): Decoded & { record: Record<string, unknown> } {
  const record = PUBLISHED_RECORD.fromBuffer(value) as Record<string, unknown>;
  const objectName = (record.objectName as { string: string } | null)?.string ?? "";
  const [database = "", table = ""] = objectName.split(".");
  if (record.operation === "DDL")
    return { ddl: true, database, table, sql: (record.afterImages as { string: string }).string, record };
  const fields = (record.fields as { array: { name: string; dataTypeNumber: number }[] }).array;
  const image = (images: unknown) => {
    const list = (images as { array: (Record<string, Record<string, unknown>> | null)[] } | null)?.array;
    if (!list) return null;
    return Object.fromEntries(
      fields.map((f, i) => [f.name, avroText(list[i] ?? null, f.dataTypeNumber)] as const),
    );
  };
  const tags = record.tags as Record<string, string>;
  const keys = JSON.parse(tags.pk_uk_info ?? "{}") as Record<string, string[]>;
  return {
    ddl: false,
    op: record.operation as DecodedRow["op"],
    database,
    table,
    key: keys.PRIMARY ?? Object.values(keys)[0] ?? [],
    before: image(record.beforeImages),
    after: image(record.afterImages),
    record,
  };
}

/** Rebuilds tables from row messages applied in order (per partition): db.table -> key -> row. */
export function rebuild(
  messages: readonly Decoded[],
): Map<string, Map<string, Record<string, string | null>>> {
  const tables = new Map<string, Map<string, Record<string, string | null>>>();
  for (const m of messages) {
    if (m.ddl) continue;
    const name = `${m.database}.${m.table}`;
    const rows = tables.get(name) ?? new Map<string, Record<string, string | null>>();
    tables.set(name, rows);
    const keyOf = (row: Record<string, string | null>) => JSON.stringify(m.key.map((k) => row[k]));
    if (m.before) rows.delete(keyOf(m.before));
    if (m.after) rows.set(keyOf(m.after), m.after);
  }
  return tables;
}

const BYTE_TYPES = new Set(["binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"]);
const SPATIAL = SPATIAL_TYPES;

/**
 * The source's rows as canal-json strings, read independently of the binlog: server text for
 * integers, decimals and temporal values, FLOAT and DOUBLE as Java prints them, text as UTF-8, binary and WKB as ISO-8859-1, BIT as a number.
 */
export async function sourceRows(
  connection: import("mysql2/promise").Connection,
  database: string,
  table: string,
): Promise<{ key: string[]; rows: Map<string, Record<string, string | null>> }> {
  const [columns] = (await connection.query(
    "SELECT COLUMN_NAME AS name, DATA_TYPE AS type, COLUMN_KEY AS k FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
    [database, table],
  )) as unknown as [{ name: string; type: string; k: string }[]];
  const [keys] = (await connection.query(
    "SELECT COLUMN_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0 AND INDEX_NAME = (SELECT MIN(INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0) ORDER BY SEQ_IN_INDEX",
    [database, table, database, table],
  )) as unknown as [{ name: string }[]];
  const select = columns.map((c) => {
    const q = `\`${c.name}\``;
    if (c.type === "float" || c.type === "double") return `${q} + 0E0`;
    if (SPATIAL.has(c.type)) return `ST_AsBinary(${q})`;
    if (c.type === "bit") return `CAST(${q} AS UNSIGNED)`;
    return q;
  });
  const [rows] = (await connection.query({
    sql: `SELECT ${select.join(", ")} FROM \`${database}\`.\`${table}\``,
    rowsAsArray: true,
    typeCast: false,
  })) as unknown as [(Buffer | null)[][]];
  const key = keys.map((k) => k.name);
  const out = new Map<string, Record<string, string | null>>();
  for (const raw of rows) {
    const row: Record<string, string | null> = {};
    columns.forEach((c, i) => {
      const v = raw[i] ?? null;
      if (v === null) row[c.name] = null;
      else if (c.type === "float") row[c.name] = javaFloatText(Number(v.toString()), true);
      else if (c.type === "double") row[c.name] = javaFloatText(Number(v.toString()), false);
      else if (BYTE_TYPES.has(c.type) || SPATIAL.has(c.type)) row[c.name] = v.toString("latin1");
      else row[c.name] = v.toString("utf8");
    });
    out.set(JSON.stringify(key.map((k) => row[k])), row);
  }
  return { key, rows: out };
}

/** Temporal text with a six-digit fraction (Avro carries microseconds, not the column's precision). */
export function sixDigitFraction(value: string | null): string | null {
  if (value === null || !/^-?\d+[-:]\d{2}[-:]\d{2}( \d{2}:\d{2}:\d{2})?(\.\d+)?$/.test(value)) return value;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const [whole, fraction = ""] = value.split(".");
  return `${whole}.${fraction.padEnd(6, "0")}`;
}

/** The tables rebuilt from the messages equal the source's tables, row by row and value by value. */
export async function expectRebuiltEqualsSource(
  db: string,
  tables: readonly string[],
  decoded: readonly Decoded[],
  normalize: (v: string | null) => string | null = (v) => v,
): Promise<void> {
  const rebuilt = rebuild(decoded);
  const connection = await mysql.createConnection(STACK.source);
  await connection.query("SET time_zone = '+00:00'");
  try {
    for (const table of tables) {
      const expected = await sourceRows(connection, db, table);
      const actual = rebuilt.get(`${db}.${table}`) ?? new Map();
      expect([...actual.keys()].sort(), `${table}: keys`).toEqual([...expected.rows.keys()].sort());
      for (const [key, row] of expected.rows) {
        const got = actual.get(key) ?? {};
        const want = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, normalize(v)]));
        const have = Object.fromEntries(Object.keys(row).map((k) => [k, normalize(got[k] ?? null)]));
        expect(have, `${table} ${key}`).toEqual(want);
      }
    }
  } finally {
    await connection.end();
  }
}
