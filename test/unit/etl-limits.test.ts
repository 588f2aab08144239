import { describe, expect, it } from "vitest";
import {
  compileEtl,
  compileEtlForTables,
  EtlError,
  EtlLimitError,
  type EtlRowContext,
  EtlRuntimeError,
  type EtlTable,
  parseEtl,
  validateEtl,
} from "#core/etl/index.ts";
import { MAX_NESTING, MAX_NODES, MAX_SCRIPT_BYTES, MAX_TEXT_LENGTH } from "#core/etl/limits.ts";
import type { Row } from "#core/model/row.ts";

// Scripts the engine refuses for their size or shape: refused while parsing with a named error
// (EtlLimitError, an EtlError with line and column), never a RangeError from a later stage.

const TABLE: EtlTable = {
  database: "shop",
  table: "orders",
  columns: [
    { name: "id", dataType: "bigint" },
    { name: "name", dataType: "varchar" },
  ],
  addedColumns: [
    { name: "s", dataType: "varchar" },
    { name: "n", dataType: "bigint" },
  ],
  key: ["id"],
};
const INSERT: EtlRowContext = { operation: "insert", commitTimestamp: 0 };

function limitError(script: string): EtlLimitError {
  try {
    parseEtl(script);
  } catch (error) {
    expect(error).toBeInstanceOf(EtlLimitError);
    return error as EtlLimitError;
  }
  throw new Error(`expected the script of ${script.length} characters to be refused`);
}

/** e_set(`s`, op_add(op_add(... `name` ..., "x"), "x")): `levels` calls inside one another. */
const nestedCalls = (levels: number) =>
  `e_set(\`s\`, ${"op_add(".repeat(levels - 1)}\`name\`${', "x")'.repeat(levels - 1)})`;

function transform(script: string, row: Row): Row | null {
  return compileEtl(script, TABLE).transform(row, INSERT);
}

describe("nesting", () => {
  it(`runs ${MAX_NESTING} calls inside one another, through every stage`, () => {
    const script = nestedCalls(MAX_NESTING);
    expect(transform(script, { id: 1, name: "a" })?.s).toBe(`a${"x".repeat(MAX_NESTING - 1)}`);
    const sql = compileEtl(script, TABLE).snapshotSql({
      commitTimestamp: 0,
      written: [{ name: "s", dataType: "varchar" }],
      untouchedField: (column) => column,
      computedField: (sqlText) => sqlText,
      fieldOf: () => "",
    });
    expect(sql?.line).toContain("CONCAT(");
  });

  it(`refuses ${MAX_NESTING + 1} levels with a named error at the call that goes too deep`, () => {
    const error = limitError(nestedCalls(MAX_NESTING + 1));
    expect(error.limit).toBe("nesting");
    expect(error).toBeInstanceOf(EtlError);
    expect([error.line, error.column]).toEqual([1, 12 + 7 * (MAX_NESTING - 1)]);
    expect(error.message).toContain(`nests more than ${MAX_NESTING} levels deep`);
  });

  it("refuses 10,000 levels as nesting (or as size), never with a RangeError", () => {
    expect(limitError(`${"a(".repeat(10_000)}1${")".repeat(10_000)}`).limit).toBe("nesting");
    expect(limitError(nestedCalls(10_000)).limit).toBe("size");
    expect(limitError(`e_set(\`n\`, ${"-".repeat(10_000)}1)`).limit).toBe("nesting");
    expect(limitError(`e_set(\`n\`, ${"(".repeat(10_000)}1${")".repeat(10_000)})`).limit).toBe("nesting");
    expect(limitError(`e_set(\`n\`, ${"true ? 1 : ".repeat(5_000)}1)`).limit).toBe("nesting");
    expect(limitError(`e_set(\`n\`, ${"true ? ".repeat(5_000)}1${" : 2".repeat(5_000)})`).limit).toBe(
      "nesting",
    );
  });

  it("counts operator chains, which nest without parentheses", () => {
    const chain = (terms: number) => `e_set(\`n\`, \`id\`${" + 1".repeat(terms - 1)})`;
    // e_set and 63 additions
    expect(transform(chain(MAX_NESTING), { id: 1 })?.n).toBe(MAX_NESTING);
    expect(limitError(chain(MAX_NESTING + 1)).limit).toBe("nesting");
    expect(limitError(chain(15_000)).limit).toBe("nesting");
  });

  it("does not count what is inside string literals and column names", () => {
    const parens = "(".repeat(20_000);
    expect(transform(`e_set(\`s\`, "${parens}")`, { id: 1 })?.s).toBe(parens);
    expect(
      transform(`e_set(\`s\`, op_add("${'\\"'.repeat(10_000)}", \`name\`))`, { id: 1, name: "!" })?.s,
    ).toBe(`${'"'.repeat(10_000)}!`);
  });

  it("leaves the parser usable after a refused script", () => {
    limitError(`${"a(".repeat(10_000)}1${")".repeat(10_000)}`);
    expect(parseEtl("e_set(`s`, op_add(`name`, 'x'))").root).toMatchObject({ kind: "call", name: "e_set" });
  });
});

describe("number of nodes", () => {
  /** e_set(`n`, op_sum(1, 1, ...)): e_set, the column, op_sum and `ones` literals. */
  const sum = (ones: number) => `e_set(\`n\`, op_sum(${Array(ones).fill("1").join(",")}))`;

  it(`accepts ${MAX_NODES.toLocaleString("en-US")} nodes and refuses one more`, () => {
    expect(transform(sum(MAX_NODES - 3), { id: 1 })?.n).toBe(MAX_NODES - 3);
    const error = limitError(sum(MAX_NODES - 2));
    expect(error.limit).toBe("nodes");
    expect(error.message).toContain("more than 10,000 calls, operators and values");
    expect(error.column).toBe(`e_set(\`n\`, op_sum(`.length + 2 * (MAX_NODES - 3) + 1);
  });
});

describe("size", () => {
  const padded = (bytes: number, fill: string) => {
    const frame = 'e_set(`s`, "")';
    const unit = Buffer.byteLength(fill, "utf8");
    return `e_set(\`s\`, "${fill.repeat(Math.floor((bytes - frame.length) / unit))}")`;
  };

  it(`accepts ${MAX_SCRIPT_BYTES.toLocaleString("en-US")} bytes of UTF-8 and refuses more`, () => {
    expect(Buffer.byteLength(padded(MAX_SCRIPT_BYTES, "x"))).toBe(MAX_SCRIPT_BYTES);
    expect(() => parseEtl(padded(MAX_SCRIPT_BYTES, "x"))).not.toThrow();
    const error = limitError(`${padded(MAX_SCRIPT_BYTES, "x")} `);
    expect(error.limit).toBe("size");
    expect(error.message).toBe(
      "line 1, column 1: the script is 65,537 bytes long, more than the 65,536 (64 KiB) a script may have: shorten it",
    );
    // Bytes, not characters: 'é' takes two.
    const accents = padded(MAX_SCRIPT_BYTES + 2, "é");
    expect(accents.length).toBeLessThan(MAX_SCRIPT_BYTES);
    expect(limitError(accents).limit).toBe("size");
    expect(limitError("e_drop()".repeat(1_000_000)).limit).toBe("size");
  });

  it("surfaces through precheck and compilation as ETL problems", () => {
    const deep = nestedCalls(MAX_NESTING + 1);
    expect(validateEtl(deep, [TABLE])).toEqual([
      expect.objectContaining({ line: 1, message: expect.stringContaining("nests more than 64 levels") }),
    ]);
    expect(() => compileEtlForTables(deep, [TABLE])).toThrow(EtlLimitError);
  });

  it("reports an unterminated string of escaped quotes at once, where it starts", () => {
    const error = (() => {
      try {
        parseEtl(`e_set(\`s\`, "${'\\"'.repeat(30_000)}`);
      } catch (e) {
        return e as EtlError;
      }
      throw new Error("expected a refusal");
    })();
    expect(error.message).toBe('line 1, column 12: unterminated string: expected a closing "');
  });

  it("reads a long op_in item in one pass (no split of its spaces every way)", () => {
    const item = `${" ".repeat(60_000)}x`;
    expect(() =>
      compileEtl(`e_set(\`n\`, (op_in(\`id\`, json_array('["${item}"]')) ? 1 : 0))`, TABLE),
    ).toThrow(/is not a number/);
  });

  it("names an unknown long column without comparing it letter by letter to every column", () => {
    const columns = Array.from({ length: 2_000 }, (_, i) => ({ name: `column_${i}`, dataType: "int" }));
    const wide: EtlTable = { database: "shop", table: "wide", columns };
    expect(() => compileEtl(`e_set(\`${"q".repeat(60_000)}\`, 1)`, wide)).toThrow(/unknown column/);
  });
});

describe("values a script builds", () => {
  const doubling = (pairs: number) => `e_set(\`s\`, \`name\`${", `s`, op_add(`s`, `s`)".repeat(pairs)})`;

  it("stops the row when text would grow past the limit, naming the call", () => {
    expect(transform(doubling(3), { id: 1, name: "ab" })?.s).toBe("ab".repeat(8));
    const error = (() => {
      try {
        transform(doubling(40), { id: 7, name: "ab" });
      } catch (e) {
        return e as EtlRuntimeError;
      }
      throw new Error("expected a failure");
    })();
    expect(error).toBeInstanceOf(EtlRuntimeError);
    expect(error.functionName).toBe("op_add");
    expect(error.reason).toBe(
      `the result would be ${(2 * 2 ** 26).toLocaleString("en-US")} characters long, more than the ${MAX_TEXT_LENGTH.toLocaleString("en-US")} a text value may have`,
    );
    expect(error.key).toEqual({ id: 7 });
  });

  it("bounds str_replace, str_mask and str_format the same way, before building the text", () => {
    const long = "y".repeat(10_000);
    const fails = (script: string, row: Row) => () => transform(script, { id: 1, ...row });
    expect(fails("e_set(`s`, str_replace(`name`, '', `name`))", { name: long })).toThrow(/characters long/);
    expect(fails("e_set(`s`, str_replace(`name`, 'y', `name`, 3))", { name: long })).not.toThrow();
    expect(fails("e_set(`s`, str_mask(`name`, 0, 20000, `name`))", { name: long })).toThrow(
      /characters long/,
    );
    const format = `'${"{0}".repeat(200)}'`;
    expect(fails(`e_set(\`s\`, str_format(${format}, \`name\`))`, { name: "z".repeat(400_000) })).toThrow(
      /characters long/,
    );
  });

  it("stops exact arithmetic beyond 1,000 digits instead of computing for seconds", () => {
    const squares = `e_set(\`n\`, \`id\`${", `n`, `n` * `n`".repeat(30)})`;
    expect(() => transform(squares, { id: "9223372036854775807" })).toThrow(
      /op_mul: the result has more than 1,000 digits/,
    );
    expect(transform("e_set(`n`, `id` * 2)", { id: "18446744073709551615" })?.n).toBe("36893488147419103230");
  });
});
