import { readFileSync } from "node:fs";
import avro from "avsc";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BINARY_TYPES } from "#core/model/data-types.ts";
import { dtsAvroEncoder, objectName } from "#core/sinks/kafka/dts-avro.ts";
import { dateTimeParts, objectTypeName, timestampParts } from "#core/sinks/kafka/dts-avro-types.ts";
import type { RowEvent } from "#core/sinks/kafka/record.ts";
import { messageEncoder } from "#core/sinks/kafka/writer.ts";
import { event, kafkaDestination, ROW } from "../support/kafka-rows.ts";

describe("dts-avro", () => {
  const published = JSON.parse(
    readFileSync(new URL("../fixtures/dts-avro-record.avsc", import.meta.url), "utf8"),
  ) as avro.Schema[];
  const registry: Record<string, avro.Type> = {};
  for (const schema of published) avro.Type.forSchema(schema, { registry, wrapUnions: true });
  const record = registry["com.alibaba.dts.formats.avro.Record"] as avro.Type;
  const encoder = dtsAvroEncoder({ sourceVersion: "10.11.6-MariaDB" });

  it("encodes each type into its value class, decodable with the published schema", () => {
    const decoded = record.fromBuffer(encoder.row(event("insert", undefined, ROW), 9)) as Record<
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
        fc.integer({ min: 0, max: 2 ** 52 }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.string({ unit: "binary", maxLength: 30 }),
        (before, after, op, id, sourceTimestamp, txid) => {
          const bytes = encoder.row({ ...event(op, before, after), sourceTimestamp, txid }, id);
          const decoded = record.fromBuffer(bytes);
          expect(record.toBuffer(decoded).equals(bytes)).toBe(true);
          expect((decoded as { id: number }).id).toBe(id);
        },
      ),
      { numRuns: 300 },
    );
    const ddl = encoder.ddl(
      { database: "shop", table: "", sql: "CREATE DATABASE shop", sourceTimestamp: 1, position: "f:4" },
      3,
    );
    expect(record.toBuffer(record.fromBuffer(ddl)).equals(ddl)).toBe(true);
  });

  it("writes DDL with fields null and the SQL as a plain string", () => {
    const ddl = record.fromBuffer(
      encoder.ddl(
        { database: "a.b", table: "t", sql: "ALTER TABLE t ADD c INT", sourceTimestamp: 0, position: "" },
        1,
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
      const destination = kafkaDestination({
        format: "dts-avro",
        schemaRegistryUrl: `http://127.0.0.1:${port}`,
      });
      const encoder = await messageEncoder(destination, "10.11");
      const framed = encoder.row(event("insert", undefined, ROW), 1);
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
