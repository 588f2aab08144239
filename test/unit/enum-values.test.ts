import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { completeEnumSetValues, enumSetValues } from "#core/incremental/enum-values.ts";

/** A value as the server quotes it in COLUMN_TYPE: quote doubled, backslash and controls escaped. */
const quoted = (value: string) =>
  `'${value
    .replaceAll("\\", "\\\\")
    .replaceAll("'", "''")
    .replaceAll("\u0000", "\\0")
    .replaceAll("\n", "\\n")
    .replaceAll("\r", "\\r")
    .replaceAll("\u001a", "\\Z")}'`;

describe("ENUM and SET members from COLUMN_TYPE", () => {
  it("reads members holding commas, quotes, backslashes, parentheses and control characters", () => {
    expect(enumSetValues("enum('a,b','it''s','c\\\\d','(x)',' ','')")).toEqual([
      "a,b",
      "it's",
      "c\\d",
      "(x)",
      " ",
      "",
    ]);
    expect(enumSetValues("set('x','y','z')")).toEqual(["x", "y", "z"]);
    expect(enumSetValues("enum('line\\nbreak','nul\\0')")).toEqual(["line\nbreak", "nul\u0000"]);
  });

  it("gives back any list of members the server can write", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "grapheme-ascii" }), { minLength: 1, maxLength: 8 }),
        (members) => {
          expect(enumSetValues(`enum(${members.map(quoted).join(",")})`)).toEqual(members);
        },
      ),
    );
  });

  it("reads nothing from a definition it does not recognize", () => {
    expect(enumSetValues("enum(a,b)")).toBeUndefined();
    expect(enumSetValues("enum('a'")).toBeUndefined();
    expect(enumSetValues("enum('a' 'b')")).toBeUndefined();
  });

  it("fills in the members a table map lacks, and keeps those the binlog listed", () => {
    const schemas = [
      { DATA_TYPE: "enum", COLUMN_TYPE: "enum('a,b','c')" },
      { DATA_TYPE: "set", COLUMN_TYPE: "set('x','y')" },
      { DATA_TYPE: "enum", COLUMN_TYPE: "enum('p','q')", ENUM_VALUES: ["from", "binlog"] },
      { DATA_TYPE: "int", COLUMN_TYPE: "int(11)" },
    ];
    completeEnumSetValues(schemas);
    expect(schemas).toEqual([
      { DATA_TYPE: "enum", COLUMN_TYPE: "enum('a,b','c')", ENUM_VALUES: ["a,b", "c"] },
      { DATA_TYPE: "set", COLUMN_TYPE: "set('x','y')", SET_VALUES: ["x", "y"] },
      { DATA_TYPE: "enum", COLUMN_TYPE: "enum('p','q')", ENUM_VALUES: ["from", "binlog"] },
      { DATA_TYPE: "int", COLUMN_TYPE: "int(11)" },
    ]);
  });
});
