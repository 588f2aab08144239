import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildRoutes, type TableRoute } from "#core/pipeline/table-route.ts";
import { CANAL_FIELDS, canalJsonEncoder, ddlType, sqlTypeOf } from "#core/sinks/kafka/canal-json.ts";
import { dtsAvroEncoder } from "#core/sinks/kafka/dts-avro.ts";
import { JsonBytes } from "#core/sinks/kafka/json-bytes.ts";
import { javaHashCode, partitionOf } from "#core/sinks/kafka/partition.ts";
import { canalText, canalTextOf, columnValue, float32Text, javaFloatText } from "#core/sinks/kafka/values.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import { tableKey } from "#core/spec/table-name.ts";
import { catalogOf, table } from "../support/facts.ts";
import { column, event, ROW } from "../support/kafka-rows.ts";
import { specInput } from "../support/spec-fixtures.ts";

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

describe("canal text chosen once per column", () => {
  const types = [
    ["bigint", "bigint(20) unsigned"],
    ["int", "int(11)"],
    ["decimal", "decimal(12,2)"],
    ["float", "float"],
    ["double", "double"],
    ["datetime", "datetime(6)"],
    ["year", "year(4)"],
    ["varchar", "varchar(20)"],
    ["char", "char(3)"],
    ["varbinary", "varbinary(8)"],
    ["blob", "blob"],
    ["bit", "bit(64)"],
    ["json", "json"],
    ["enum", "enum('a','b')"],
    ["point", "point"],
    ["uuid", "uuid"],
  ] as const;
  const values = fc.oneof(
    fc.constant(null),
    fc.constant(undefined),
    fc.string({ unit: "grapheme" }),
    fc.string({ unit: "binary" }),
    fc.double(),
    fc.integer(),
    fc.bigInt(),
    fc.boolean(),
    fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes)),
    fc.dictionary(fc.string(), fc.string()),
  );

  it("writes what the value's generic canal text is, for every type and value shape", () => {
    fc.assert(
      fc.property(fc.constantFrom(...types), values, ([dataType, columnType], value) => {
        const definition = column("c", dataType, columnType);
        let expected: string | null | Error;
        try {
          expected = canalText(columnValue(value, definition));
        } catch (error) {
          expected = error as Error;
        }
        if (expected instanceof Error) expect(() => canalTextOf(definition)(value)).toThrow();
        else expect(canalTextOf(definition)(value)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
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
    const message = JSON.parse(canalJsonEncoder.row(event("update", ROW, after), 7).toString());
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
    const deleted = JSON.parse(canalJsonEncoder.row(event("delete", ROW), 8).toString());
    expect(deleted.data[0].note).toBe("🚀 ok");
    expect(deleted.old).toBeNull();
  });
});

/** The route of shop.`name`, a table of VARCHAR(20) utf8mb4 columns named `columns`. */
function varcharRoute(name: string, columns: string[]): TableRoute {
  return buildRoutes(
    parseTaskSpec(specInput({ objects: [{ database: "shop" }] })),
    catalogOf(
      table("shop", name, { columns: columns.map((c) => column(c, "varchar", "varchar(20)", "utf8mb4")) }),
    ),
  ).get(tableKey("shop", name)) as TableRoute;
}

describe("canal-json text", () => {
  it("is byte for byte the message stringified whole, in the documented field order, whatever the names and values", () => {
    const hostile = ["__proto__", 'q"uote', "back\\slash", "emoji 🚀", "line\nbreak", "constructor"];
    const route = varcharRoute('or"ders', hostile);
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
        5,
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

describe("canal-json bytes", () => {
  const names = ["id", "__proto__", 'q"uote', "back\\slash", "ünï", "tab\t"];
  const route = varcharRoute("t", names);
  // Mostly ASCII with quotes and backslashes, sometimes control characters, non-ASCII or lone surrogates.
  const unit = fc.oneof(
    { arbitrary: fc.integer({ min: 0x20, max: 0x7f }), weight: 10 },
    { arbitrary: fc.constantFrom(0x22, 0x5c), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max: 0x1f }), weight: 1 },
    { arbitrary: fc.integer({ min: 0x80, max: 0xffff }), weight: 1 },
  );
  const text = fc.string({ unit: unit.map((c) => String.fromCharCode(c)) });
  const image = fc.array(fc.option(text, { nil: null }), {
    minLength: names.length,
    maxLength: names.length,
  });
  const rowOf = (values: (string | null)[]) => {
    const row: Record<string, unknown> = {};
    names.forEach((name, i) => {
      Object.defineProperty(row, name, { value: values[i], enumerable: true });
    });
    return row;
  };

  it("are JSON.stringify's text of the whole message, for any values and operation", () => {
    fc.assert(
      fc.property(
        image,
        image,
        fc.constantFrom("init", "insert", "update", "delete"),
        fc.nat({ max: 2 ** 52 }),
        (before, after, op, id) => {
          const bytes = canalJsonEncoder.row(
            {
              op: op as "insert",
              table: route,
              before: rowOf(before) as never,
              after: rowOf(after) as never,
              sourceTimestamp: 1_700_000_000_999,
              position: "",
            },
            id,
          );
          const text = bytes.toString("utf8");
          const message = JSON.parse(text);
          const ordered = Object.fromEntries(CANAL_FIELDS.map((field) => [field, message[field]]));
          expect(text).toBe(JSON.stringify(ordered));
          expect(Buffer.from(text, "utf8").equals(bytes)).toBe(true);
          const image = op === "delete" ? before : after;
          expect(names.map((name) => Object.getOwnPropertyDescriptor(message.data[0], name)?.value)).toEqual(
            image,
          );
          expect(message.id).toBe(id);
          expect(message.es).toBe(1_700_000_000_000);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("JSON bytes of numbers", () => {
  it("writes any number as String() does", () => {
    const written = (value: number) => new JsonBytes().number(value).take().toString("latin1");
    for (const value of [0, 7, 10, 99_999_999, 100_000_000, 100_000_001, 1_733_500_000_000_000, 2 ** 53 - 1])
      expect(written(value)).toBe(String(value));
    fc.assert(
      fc.property(fc.oneof(fc.nat({ max: 2 ** 53 - 1 }), fc.double()), (v) => {
        expect(written(v)).toBe(String(v));
      }),
    );
  });
});

describe("an encoding that throws halfway", () => {
  it("leaves nothing of that message in the next, in either format", () => {
    // A JSON column's value that cannot be written: its encoding throws at the table's last column.
    const unwritable = { ...ROW, j: { big: 1n } };
    const canal = (id: number) => {
      const message = JSON.parse(canalJsonEncoder.row(event("insert", undefined, ROW), id).toString());
      delete message.ts;
      return message;
    };
    const clean = canal(1);
    expect(() => canalJsonEncoder.row(event("insert", undefined, unwritable), 2)).toThrow();
    expect(canal(1)).toEqual(clean);

    const avro = dtsAvroEncoder({ sourceVersion: "10.11.6-MariaDB" });
    const bytes = avro.row(event("insert", undefined, ROW), 1);
    expect(() => avro.row(event("insert", undefined, unwritable), 2)).toThrow();
    expect(avro.row(event("insert", undefined, ROW), 1).equals(bytes)).toBe(true);
  });
});
