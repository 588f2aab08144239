import { readFileSync } from "node:fs";
import avro from "avsc";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CatalogColumn } from "#core/model/catalog.ts";
import { BINARY_TYPES } from "#core/model/data-types.ts";
import { buildRoutes, type TableRoute } from "#core/pipeline/table-route.ts";
import { CANAL_FIELDS, canalJsonEncoder, ddlType, sqlTypeOf } from "#core/sinks/kafka/canal-json.ts";
import { checkpointText, parseCheckpoint } from "#core/sinks/kafka/change-sink.ts";
import type { KafkaProducer, OutgoingMessage } from "#core/sinks/kafka/client.ts";
import { dtsAvroEncoder, objectName } from "#core/sinks/kafka/dts-avro.ts";
import { dateTimeParts, objectTypeName, timestampParts } from "#core/sinks/kafka/dts-avro-types.ts";
import { javaHashCode, partitionOf } from "#core/sinks/kafka/partition.ts";
import type { RowEvent } from "#core/sinks/kafka/record.ts";
import { columnValue, float32Text, javaFloatText } from "#core/sinks/kafka/values.ts";
import { KafkaWriter, messageEncoder, requests } from "#core/sinks/kafka/writer.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import { tableKey } from "#core/spec/table-name.ts";
import { catalogOf, table } from "../support/facts.ts";
import { specInput } from "../support/spec-fixtures.ts";

const column = (name: string, dataType: string, columnType = dataType, charset?: string): CatalogColumn => ({
  name,
  dataType,
  columnType,
  nullable: true,
  generated: false,
  charset,
});

const TABLE: TableRoute = (() => {
  const columns = [
    column("id", "bigint", "bigint(20) unsigned"),
    column("note", "varchar", "varchar(20)", "utf8mb4"),
    column("l1", "varchar", "varchar(20)", "latin1"),
    column("amount", "decimal", "decimal(10,2)"),
    column("f", "float"),
    column("ts", "timestamp", "timestamp(6)"),
    column("tm", "time", "time(6)"),
    column("d", "date"),
    column("bin", "varbinary", "varbinary(4)"),
    column("b", "bit", "bit(64)"),
    column("j", "json", "longtext"),
  ];
  const orders = table("shop", "orders", { columns });
  const task = parseTaskSpec(specInput({ objects: [{ database: "shop" }] }));
  return buildRoutes(task, catalogOf(orders)).get(tableKey("shop", "orders")) as TableRoute;
})();

const ROW = {
  id: "18446744073709551615",
  note: "🚀 ok",
  l1: "café",
  amount: "-12.50",
  f: Math.fround(3.14159274),
  ts: "2024-06-30 23:59:59.999999",
  tm: "-838:59:59.000000",
  d: "0000-00-00",
  bin: Buffer.from([0x00, 0xff]),
  b: Buffer.from("8000000000000001", "hex"),
  j: '{"k": [1, 2.5]}',
};

const event = (op: RowEvent["op"], before?: object, after?: object): RowEvent => ({
  op,
  table: TABLE,
  before: before as RowEvent["before"],
  after: after as RowEvent["after"],
  sourceTimestamp: 1_700_000_000_000,
  position: "mysql-bin.000001:4",
});

describe("partitioning with Java's String.hashCode", () => {
  it("matches Java for ASCII, collisions, non-BMP text and overflow", () => {
    expect(javaHashCode("")).toBe(0);
    expect(javaHashCode("hello")).toBe(99162322);
    expect(javaHashCode("Aa")).toBe(javaHashCode("BB"));
    expect(javaHashCode("polygenelubricants")).toBe(-2147483648);
    expect(javaHashCode("🚀")).toBe(55357 * 31 + 56960);
  });

  it("takes abs(hash % partitions), so Integer.MIN_VALUE stays in range", () => {
    expect(partitionOf("polygenelubricants", 3)).toBe(2);
    expect(partitionOf("hello", 4)).toBe(2);
    for (const key of ["a", "shoporders", "-1", "x,y"]) {
      expect(partitionOf(key, 7)).toBeGreaterThanOrEqual(0);
      expect(partitionOf(key, 7)).toBeLessThan(7);
    }
  });
});

describe("column values", () => {
  it("writes FLOAT as the shortest text that reads back as the same float", () => {
    expect(float32Text(Math.fround(3.14159274))).toBe("3.1415927");
    expect(float32Text(Math.fround(-0.1))).toBe("-0.1");
    expect(float32Text(16777216)).toBe("16777216");
    expect(float32Text(Math.fround(3.4e38))).toBe("3.4e38");
  });

  it("writes DOUBLE as Java's Double.toString and FLOAT as Float.toString, as Canal's consumers read them", () => {
    const double = (v: number) => javaFloatText(v, false);
    expect([-1e10, 4, 1.7976931348623157e308, -0, 0.001, 1e-4, 1e7, 9_999_999, 123.456].map(double)).toEqual([
      "-1.0E10",
      "4.0",
      "1.7976931348623157E308",
      "-0.0",
      "0.001",
      "1.0E-4",
      "1.0E7",
      "9999999.0",
      "123.456",
    ]);
    expect(double(5e-324)).toBe("4.9E-324"); // at least two digits, the closest two
    const float = (v: number) => javaFloatText(v, true);
    expect([1.1, 3.4028234663852886e38, 16_777_216, -3, 1.401298464324817e-45].map(float)).toEqual([
      "1.1",
      "3.4028235E38",
      "1.6777216E7",
      "-3.0",
      "1.4E-45",
    ]);
  });

  it("turns BIT bytes into the number and strips the SRID from geometry", () => {
    expect(columnValue(ROW.b, column("b", "bit"))).toEqual({ kind: "bit", text: "9223372036854775809" });
    const internal = Buffer.concat([
      Buffer.from([0, 0, 0, 0]),
      Buffer.from("0101000000000000000000f03f0000000000000040", "hex"),
    ]);
    expect(columnValue(internal, column("g", "point"))).toEqual({
      kind: "geometry",
      wkb: internal.subarray(4),
    });
  });
});

describe("canal-json", () => {
  it("maps types to java.sql.Types, moving unsigned integers one size up", () => {
    expect(sqlTypeOf("int", "int(11)")).toBe(4);
    expect(sqlTypeOf("int", "int(10) unsigned")).toBe(-5);
    expect(sqlTypeOf("bigint", "bigint(20) unsigned")).toBe(3);
    expect(sqlTypeOf("varchar", "varchar(5)")).toBe(12);
    expect(sqlTypeOf("blob", "blob")).toBe(2004);
    expect(sqlTypeOf("text", "text")).toBe(2005);
    // As Canal's own producer writes them: BLOB, not BINARY (-2) or VARBINARY (-3).
    expect(sqlTypeOf("binary", "binary(16)")).toBe(2004);
    expect(sqlTypeOf("varbinary", "varbinary(255)")).toBe(2004);
  });

  it("names DDL by what it does", () => {
    expect(ddlType("CREATE TABLE `a` (id int)")).toBe("CREATE");
    expect(ddlType("/* x */ ALTER TABLE a ADD c INT")).toBe("ALTER");
    expect(ddlType("DROP TABLE a")).toBe("ERASE");
    expect(ddlType("TRUNCATE TABLE a")).toBe("TRUNCATE");
    expect(ddlType("RENAME TABLE a TO b")).toBe("RENAME");
    expect(ddlType("CREATE UNIQUE INDEX i ON a (c)")).toBe("CINDEX");
    expect(ddlType("DROP INDEX i ON a")).toBe("DINDEX");
    expect(ddlType("CREATE DATABASE x")).toBe("QUERY");
  });

  it("writes every value as a string or null, binary as ISO-8859-1, old with only changed columns", () => {
    const after = { ...ROW, note: "changed", amount: null };
    const message = JSON.parse(canalJsonEncoder.row(event("update", ROW, after), 7n).toString());
    expect(message.type).toBe("UPDATE");
    expect(message.id).toBe(7);
    expect(message.es).toBe(1_700_000_000_000);
    expect(message.data[0]).toMatchObject({
      id: "18446744073709551615",
      note: "changed",
      amount: null,
      f: "3.1415927",
      bin: "\u0000ÿ",
      b: "9223372036854775809",
      tm: "-838:59:59.000000",
    });
    expect(message.old).toEqual([{ note: "🚀 ok", amount: "-12.50" }]);
    expect(message.pkNames).toEqual(["id"]);
    const deleted = JSON.parse(canalJsonEncoder.row(event("delete", ROW), 8n).toString());
    expect(deleted.data[0].note).toBe("🚀 ok");
    expect(deleted.old).toBeNull();
  });
});

describe("canal-json text", () => {
  it("is byte for byte the message stringified whole, in the documented field order, whatever the names and values", () => {
    const hostile = ["__proto__", 'q"uote', "back\\slash", "emoji 🚀", "line\nbreak", "constructor"];
    const columns = hostile.map((name) => column(name, "varchar", "varchar(20)", "utf8mb4"));
    const route = buildRoutes(
      parseTaskSpec(specInput({ objects: [{ database: "shop" }] })),
      catalogOf(table("shop", 'or"ders', { columns })),
    ).get(tableKey("shop", 'or"ders')) as TableRoute;
    const row = (value: string | null): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (const name of hostile) Object.defineProperty(out, name, { value, enumerable: true });
      return out;
    };
    const before = row('a"\\\u0000\ud800');
    const after = { ...row("b"), "emoji 🚀": 'a"\\\u0000\ud800' };
    Object.defineProperty(after, "__proto__", { value: null, enumerable: true });
    const text = canalJsonEncoder
      .row(
        {
          op: "update",
          table: route,
          before: before as never,
          after: after as never,
          sourceTimestamp: 1_700_000_000_123,
          position: "",
        },
        5n,
      )
      .toString();
    const message = JSON.parse(text);
    const ordered = Object.fromEntries(CANAL_FIELDS.map((field) => [field, message[field]]));
    expect(Object.keys(message)).toEqual(Object.keys(ordered));
    expect(text).toBe(JSON.stringify(ordered));
    expect(Object.getOwnPropertyNames(message.data[0])).toEqual(hostile);
    expect(Object.getOwnPropertyDescriptor(message.data[0], "__proto__")?.value).toBeNull();
    expect(Object.getOwnPropertyNames(message.old[0])).toEqual(hostile.filter((n) => n !== "emoji 🚀"));
    expect(message.old[0]['q"uote']).toBe('a"\\\u0000\ud800');
    expect(message.table).toBe('or"ders');
  });
});

describe("dts-avro", () => {
  const published = JSON.parse(
    readFileSync(new URL("../fixtures/dts-avro-record.avsc", import.meta.url), "utf8"),
  ) as avro.Schema[];
  const registry: Record<string, avro.Type> = {};
  for (const schema of published) avro.Type.forSchema(schema, { registry, wrapUnions: true });
  const record = registry["com.alibaba.dts.formats.avro.Record"] as avro.Type;
  const encoder = dtsAvroEncoder({ sourceVersion: "10.11.6-MariaDB" });

  it("encodes each type into its value class, decodable with the published schema", () => {
    const decoded = record.fromBuffer(encoder.row(event("insert", undefined, ROW), 9n)) as Record<
      string,
      unknown
    >;
    expect(decoded.operation).toBe("INSERT");
    expect(decoded.beforeImages).toBeNull();
    expect(decoded.sourceTimestamp).toBe(1_700_000_000);
    expect(decoded.objectName).toEqual({ string: "shop.orders" });
    expect((decoded.tags as Record<string, string>).pk_uk_info).toBe('{"PRIMARY":["id"]}');
    const fields = (decoded.fields as { array: { name: string; dataTypeNumber: number }[] }).array;
    expect(fields.map((f) => f.dataTypeNumber)).toEqual([8, 15, 15, 246, 4, 7, 11, 10, 15, 16, 245]);
    const [id, note, l1, amount, f, ts, tm, d, bin, b, j] = (decoded.afterImages as { array: object[] })
      .array;
    const ns = "com.alibaba.dts.formats.avro.";
    expect(id).toEqual({ [`${ns}Integer`]: { precision: 20, value: "18446744073709551615" } });
    expect(note).toEqual({ [`${ns}Character`]: { charset: "utf8mb4", value: Buffer.from("🚀 ok") } });
    expect(l1).toEqual({
      [`${ns}Character`]: { charset: "latin1", value: Buffer.from([0x63, 0x61, 0x66, 0xe9]) },
    });
    expect(amount).toEqual({ [`${ns}Decimal`]: { value: "-12.50", precision: 10, scale: 2 } });
    expect(f).toEqual({ [`${ns}Float`]: { value: Math.fround(3.14159274), precision: -1, scale: -1 } });
    expect(ts).toEqual({ [`${ns}Timestamp`]: { timestamp: 1719791999, millis: 999999 } });
    expect(tm).toMatchObject({
      [`${ns}DateTime`]: { hour: { int: -838 }, minute: { int: -59 }, second: { int: -59 } },
    });
    expect(d).toMatchObject({
      [`${ns}DateTime`]: { year: { int: 0 }, month: { int: 0 }, day: { int: 0 }, hour: null },
    });
    expect(bin).toEqual({ [`${ns}BinaryObject`]: { type: "BINARY", value: Buffer.from([0, 255]) } });
    expect(b).toEqual({ [`${ns}Integer`]: { precision: 64, value: "9223372036854775809" } });
    expect(j).toEqual({ [`${ns}TextObject`]: { type: "JSON", value: '{"k": [1, 2.5]}' } });
  });

  it("names object values only with the types Alibaba's SDK parses (its ObjectType enum)", () => {
    const sdk = new Set(["BINARY", "BOOL", "BLOB", "XML", "JSON", "TEXT", "BFILE", "RAW", "LONG_RAW"]);
    for (const name of ["ROWID", "UROWID", "ENUM", "SET", "BYTEA", "GEOMETRY", "XTYPE", "UUID"])
      sdk.add(name);
    const types = [...BINARY_TYPES, "json", "enum", "set", "inet6", "inet4", "uuid", "vector"];
    for (const type of types) expect(sdk, type).toContain(objectTypeName(type));
    expect(["varbinary", "mediumblob", "point", "json", "set"].map(objectTypeName)).toEqual([
      "BINARY",
      "BLOB",
      "GEOMETRY",
      "JSON",
      "SET",
    ]);
  });

  it("writes canonical Avro for any values of every kind: avsc reads each record and writes the same bytes back", () => {
    const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null });
    const pad = (n: number, width = 2) => String(n).padStart(width, "0");
    const dateText = fc
      .date({
        min: new Date("1000-01-01T00:00:00Z"),
        max: new Date("9999-12-31T23:59:59Z"),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10));
    const row = fc.record({
      id: maybe(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String)),
      note: maybe(fc.string({ unit: "binary", maxLength: 40 })),
      l1: maybe(fc.constantFrom("café", "", "x€y", "plain")),
      amount: maybe(fc.integer().map((n) => (n / 100).toFixed(2))),
      f: maybe(fc.float({ noNaN: true, noDefaultInfinity: true })),
      ts: maybe(
        fc
          .tuple(dateText, fc.integer({ min: 0, max: 86_399 }), fc.integer({ min: 0, max: 999_999 }))
          .map(
            ([d, s, us]) =>
              `${d} ${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}.${pad(us, 6)}`,
          ),
      ),
      tm: maybe(
        fc
          .tuple(
            fc.boolean(),
            fc.integer({ min: 0, max: 838 }),
            fc.integer({ min: 0, max: 3599 }),
            fc.integer({ min: 0, max: 999_999 }),
          )
          .map(
            ([neg, h, ms, us]) =>
              `${neg ? "-" : ""}${pad(h)}:${pad(Math.floor(ms / 60))}:${pad(ms % 60)}.${pad(us, 6)}`,
          ),
      ),
      d: maybe(fc.oneof(dateText, fc.constant("0000-00-00"))),
      bin: maybe(fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a))),
      b: maybe(fc.uint8Array({ minLength: 8, maxLength: 8 }).map((a) => Buffer.from(a))),
      j: maybe(fc.json({ maxDepth: 2 })),
    });
    fc.assert(
      fc.property(
        row,
        row,
        fc.constantFrom<RowEvent["op"]>("init", "insert", "update", "delete"),
        // Ids are microseconds since 1970 (MessageIds): far below 2^52, where avsc still reads longs exactly.
        fc.bigInt({ min: 0n, max: 2n ** 52n }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.string({ unit: "binary", maxLength: 30 }),
        (before, after, op, id, sourceTimestamp, txid) => {
          const bytes = encoder.row({ ...event(op, before, after), sourceTimestamp, txid }, id);
          const decoded = record.fromBuffer(bytes);
          expect(record.toBuffer(decoded).equals(bytes)).toBe(true);
          expect((decoded as { id: number }).id).toBe(Number(id));
        },
      ),
      { numRuns: 300 },
    );
    const ddl = encoder.ddl(
      { database: "shop", table: "", sql: "CREATE DATABASE shop", sourceTimestamp: 1, position: "f:4" },
      3n,
    );
    expect(record.toBuffer(record.fromBuffer(ddl)).equals(ddl)).toBe(true);
  });

  it("writes DDL with fields null and the SQL as a plain string", () => {
    const ddl = record.fromBuffer(
      encoder.ddl(
        { database: "a.b", table: "t", sql: "ALTER TABLE t ADD c INT", sourceTimestamp: 0, position: "" },
        1n,
      ),
    ) as Record<string, unknown>;
    expect(ddl).toMatchObject({
      operation: "DDL",
      fields: null,
      afterImages: { string: "ALTER TABLE t ADD c INT" },
    });
    expect(ddl.objectName).toEqual({ string: "a\\u002Eb.t" });
  });

  it("splits temporal text into parts, microseconds in millis", () => {
    expect(objectName("x.y")).toBe("x\\u002Ey");
    expect(timestampParts("1970-01-01 00:00:01.5")).toEqual({ timestamp: 1, millis: 500000 });
    expect(dateTimeParts("-00:00:00.000001", "time")).toMatchObject({
      hour: { int: 0 },
      millis: { int: -1 },
    });
    expect(dateTimeParts("2155", "year")).toMatchObject({ year: { int: 2155 }, month: null });
  });
});

describe("the exactly-once checkpoint", () => {
  it("reads back what it committed, and nothing else as a position", () => {
    const at = { file: "mysql-bin.000042", position: 1_234_567, gtid: "0-1-99" };
    expect(parseCheckpoint(checkpointText(at))).toEqual({ file: "mysql-bin.000042", position: 1_234_567 });
    for (const text of [
      undefined,
      "",
      "not json",
      '{"file":"x"}',
      '{"file":"x","position":"5"}',
      '{"file":"x","position":0}',
    ])
      expect(parseCheckpoint(text)).toBeUndefined();
  });
});

describe("KafkaWriter ordering", () => {
  const destination = parseTaskSpec({
    name: "t",
    source: { host: "h", user: "u", password: "p" },
    destination: {
      type: "kafka",
      brokers: ["b:9092"],
      topic: "orders",
      partitionPolicy: "hash-pk",
      format: "canal-json",
    },
    migrationTypes: ["incremental"],
    objects: [{ database: "shop" }],
  }).destination;

  it("acknowledges the old key's DELETE before sending the new key's INSERT", async () => {
    const log: string[] = [];
    const producer: KafkaProducer = {
      async send(messages: readonly OutgoingMessage[]) {
        log.push(`send ${messages.map((m) => JSON.parse(m.value.toString()).type).join(",")}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        log.push("acked");
      },
      partitionCount: async () => 8,
      close: async () => {},
    };
    if (destination.type !== "kafka") throw new Error("kafka spec expected");
    const writer = await KafkaWriter.open({ destination, producer, encoder: canalJsonEncoder });
    await writer.writeRows([
      event("insert", undefined, { ...ROW, id: "1" }),
      event("update", { ...ROW, id: "1" }, { ...ROW, id: "2" }),
      event("update", { ...ROW, id: "2" }, { ...ROW, id: "2", note: "n" }),
    ]);
    expect(log).toEqual(["send INSERT,DELETE", "acked", "send INSERT,UPDATE", "acked"]);
  });

  it("encodes the next request while the last one waits for its acknowledgement, never sending two at once", async () => {
    const log: string[] = [];
    let inFlight = 0;
    const producer: KafkaProducer = {
      async send(messages: readonly OutgoingMessage[]) {
        inFlight++;
        log.push(`send ${messages.map((m) => m.value.length).join(",")} (${inFlight} in flight)`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        log.push("acked");
      },
      partitionCount: async () => 3,
      close: async () => {},
    };
    // Rows of 300 KiB: one per request (requests are cut at 512 KiB).
    const encoder = {
      ...canalJsonEncoder,
      row: (e: RowEvent) => {
        log.push(`encode ${String(e.after?.id)}`);
        return Buffer.alloc(300 * 1024);
      },
    };
    if (destination.type !== "kafka") throw new Error("kafka spec expected");
    const writer = await KafkaWriter.open({ destination, producer, encoder });
    await writer.writeRows(["1", "2", "3"].map((id) => event("insert", undefined, { ...ROW, id })));
    const sent = `send ${300 * 1024} (1 in flight)`;
    // A request is known full when the next row does not fit: row 3 is encoded while request 1 flies.
    expect(log).toEqual(["encode 1", "encode 2", sent, "encode 3", "acked", sent, "acked", sent, "acked"]);
  });

  it("fails clearly when the partition count differs from the one precheck recorded", async () => {
    if (destination.type !== "kafka") throw new Error("kafka spec expected");
    const producer: KafkaProducer = {
      send: async () => {},
      partitionCount: async () => 6,
      close: async () => {},
    };
    await expect(
      KafkaWriter.open({ destination, producer, encoder: canalJsonEncoder, expectedPartitions: 3 }),
    ).rejects.toThrow(/has 6 partitions but had 3 when the task was prechecked/);
  });

  it("cuts produce requests under the size limit without reordering", () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({
      topic: "t",
      partition: 0,
      key: null,
      value: Buffer.alloc(100, i),
    }));
    const cut = requests(messages, 350);
    expect(cut.map((r) => r.length)).toEqual([2, 2, 2, 2, 2]);
    expect(cut.flat()).toEqual(messages);
  });
});

describe("dts-avro with a schema registry", () => {
  it("registers the schema under <topic>-value and frames messages in the Confluent wire format", async () => {
    const { createServer } = await import("node:http");
    const requests: { url: string; body: string }[] = [];
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        requests.push({ url: request.url ?? "", body });
        response.setHeader("content-type", "application/vnd.schemaregistry.v1+json");
        response.end(JSON.stringify({ id: 258 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const spec = parseTaskSpec({
        name: "t",
        source: { host: "h", user: "u", password: "p" },
        destination: {
          type: "kafka",
          brokers: ["b:9092"],
          topic: "orders",
          format: "dts-avro",
          schemaRegistryUrl: `http://127.0.0.1:${port}`,
        },
        migrationTypes: ["incremental"],
        objects: [{ database: "shop" }],
      });
      if (spec.destination.type !== "kafka") throw new Error("kafka spec expected");
      const encoder = await messageEncoder(spec.destination, "10.11");
      const framed = encoder.row(event("insert", undefined, ROW), 1n);
      expect(requests).toHaveLength(1);
      expect(requests[0]?.url).toBe("/subjects/orders-value/versions");
      expect(JSON.parse(JSON.parse(requests[0]?.body ?? "{}").schema)).toEqual(
        JSON.parse(readFileSync(new URL("../fixtures/dts-avro-record.avsc", import.meta.url), "utf8")),
      );
      expect([...framed.subarray(0, 5)]).toEqual([0, 0, 0, 1, 2]);
      const registry: Record<string, avro.Type> = {};
      for (const schema of JSON.parse(JSON.parse(requests[0]?.body ?? "{}").schema) as avro.Schema[])
        avro.Type.forSchema(schema, { registry, wrapUnions: true });
      const decoded = registry["com.alibaba.dts.formats.avro.Record"]?.fromBuffer(framed.subarray(5));
      expect(decoded).toMatchObject({ operation: "INSERT", objectName: { string: "shop.orders" } });
    } finally {
      server.close();
    }
  });
});
