import { describe, expect, it } from "vitest";
import { decodeRows, type MappedTable, ROWS_EVENTS, rowImagePlan } from "#core/incremental/row-image.ts";
import { type Row, type RowChange, setField } from "#core/model/row.ts";

// The rows-event layout MySQL 8 writes (v2 events, partial images) cannot come from this machine's
// MariaDB; test/integration/row-image.test.ts covers MariaDB's v1 events against ZongJi.
const TABLE: MappedTable = {
  parentSchema: "shop",
  tableName: "orders",
  columns: [
    { name: "id", type: 8, charset: null, metadata: {} },
    { name: "v", type: 15, charset: "utf8mb4", metadata: { max_length: 1200 } },
    { name: "d", type: 246, charset: null, metadata: { precision: 10, decimals: 2 } },
    { name: "ts", type: 17, charset: null, metadata: { decimals: 3 } },
    { name: "\u0000__proto__", type: 3, charset: null, metadata: {} },
  ],
  columnSchemas: [
    { COLUMN_TYPE: "bigint unsigned", UNSIGNED: true },
    { COLUMN_TYPE: "varchar(300)" },
    { COLUMN_TYPE: "decimal(10,2)" },
    { COLUMN_TYPE: "timestamp(3)" },
    { COLUMN_TYPE: "int" },
  ],
};
const rename = (name: string) => (name === "\u0000__proto__" ? "__proto__" : name);

const u16 = (n: number) => Buffer.from([n & 0xff, n >> 8]);
const i32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
};
const be32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const text = (s: string) => Buffer.concat([u16(Buffer.byteLength(s)), Buffer.from(s)]);

/** A v2 UPDATE_ROWS body: table id, flags, extra data, width, both column bitmaps, then the images. */
function updateEvent(width: number, images: Buffer[]): Buffer {
  const extra = Buffer.from([0x00, 0x01, 0x02]);
  return Buffer.concat([
    Buffer.from([42, 0, 0, 0, 0, 0]),
    u16(1),
    u16(2 + extra.length),
    extra,
    Buffer.from([width]),
    Buffer.from([0b11111]), // before image: every column
    Buffer.from([0b11101]), // after image: `v` not logged (binlog_row_image=MINIMAL)
    ...images,
  ]);
}

const before = Buffer.concat([
  Buffer.from([0b10000]), // null bitmap: the 5th present column is NULL
  Buffer.alloc(8, 0xff),
  text("héllo 🚀"),
  Buffer.from([0x80, 0x00, 0x04, 0xd2, 0x32]), // 1234.50
  be32(1_700_000_000),
  Buffer.from([0x04, 0xce]), // .123 (three digits stored as 1230)
]);
const after = Buffer.concat([
  Buffer.from([0]),
  Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]),
  Buffer.from([0x7f, 0xff, 0xfb, 0x2d, 0xcd]), // -1234.50
  be32(0),
  Buffer.from([0, 0]),
  i32(-5),
]);

/** A row with a `__proto__` column (an object literal would set its prototype instead). */
function withProto(fields: Row, proto: number | null): Row {
  const row = { ...fields };
  setField(row, "__proto__", proto);
  return row;
}

const UPDATE = ROWS_EVENTS[0x1f] ?? { op: "update", v2: true };

function decode(event: Buffer, out: RowChange[]): boolean {
  const plan = rowImagePlan(TABLE, rename);
  if (!plan) throw new Error("no plan for a table of types the decoder reads");
  return decodeRows(plan, UPDATE, event, 0, event.length, out);
}

describe("rows events decoded from their bytes", () => {
  it("reads a MySQL 8 v2 update with a partial after image, as ZongJi would", () => {
    const out: RowChange[] = [];
    expect(decode(updateEvent(5, [before, after]), out)).toBe(true);
    expect(out).toEqual([
      {
        op: "update",
        database: "shop",
        table: "orders",
        before: withProto(
          { id: "18446744073709551615", v: "héllo 🚀", d: "1234.50", ts: "2023-11-14 22:13:20.123" },
          null,
        ),
        after: withProto({ id: 1, v: null, d: "-1234.50", ts: "0000-00-00 00:00:00.000" }, -5),
      },
    ]);
    expect(Object.getPrototypeOf(out[0]?.after)).toBe(Object.prototype);
    expect(Object.keys(out[0]?.after ?? {})).toEqual(["id", "v", "d", "ts", "__proto__"]);
  });

  it("leaves an event whose column count is not the table map's to ZongJi, appending nothing", () => {
    const out: RowChange[] = [];
    expect(decode(updateEvent(4, [before, after]), out)).toBe(false);
    expect(out).toEqual([]);
  });

  it("fails on an event cut short rather than inventing values", () => {
    expect(() => decode(updateEvent(5, [before, after.subarray(0, 6)]), [])).toThrow(RangeError);
  });

  it("has no plan for a table with a column type it does not read (ZongJi decodes that table)", () => {
    const json = {
      ...TABLE,
      columns: [
        ...(TABLE.columns ?? []),
        { name: "j", type: 245, charset: null, metadata: { length_size: 4 } },
      ],
    };
    json.columnSchemas = [...(TABLE.columnSchemas ?? []), { COLUMN_TYPE: "json" }];
    expect(rowImagePlan(json, rename)).toBeUndefined();
    const uuid = {
      ...TABLE,
      columns: [{ name: "u", type: 254, charset: null, metadata: { max_length: 16 } }],
      columnSchemas: [{ COLUMN_TYPE: "uuid" }],
    };
    expect(rowImagePlan(uuid, rename)).toBeUndefined();
  });
});
