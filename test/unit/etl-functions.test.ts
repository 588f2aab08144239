import { describe, expect, it } from "vitest";
import {
  compileEtl,
  ETL_FUNCTIONS,
  type EtlOptions,
  type EtlRowContext,
  type EtlTable,
} from "#core/etl/index.ts";
import type { Row } from "#core/model/row.ts";
import { compileError as compileErrorFor, runtimeError as runtimeErrorFor } from "../support/etl-errors.ts";

// Every value function, through the public API: a script sets an added column of the result's
// type, and the test reads what the destination would receive.

const TABLE: EtlTable = {
  database: "shop",
  table: "orders",
  columns: [
    { name: "id", dataType: "bigint" },
    { name: "name", dataType: "varchar" },
    { name: "phone", dataType: "varchar" },
    { name: "price", dataType: "decimal" },
    { name: "ratio", dataType: "double" },
    { name: "qty", dataType: "int" },
    { name: "created", dataType: "datetime" },
    { name: "doc", dataType: "json" },
  ],
  addedColumns: [
    { name: "s", dataType: "varchar" },
    { name: "n", dataType: "bigint" },
    { name: "d", dataType: "decimal" },
    { name: "f", dataType: "double" },
    { name: "t", dataType: "datetime" },
    { name: "b", dataType: "tinyint" },
  ],
  key: ["id"],
};

const INSERT: EtlRowContext = { operation: "insert", commitTimestamp: Date.UTC(2024, 0, 2, 3, 4, 5, 678) };

function run(script: string, row: Row = {}, options: EtlOptions = {}): Row | null {
  return compileEtl(script, TABLE, options).transform(row, INSERT);
}

/** The value `expr` gives, written into the added column `target` ("s" text, "n" long, ...). */
function evaluate(target: string, expr: string, row: Row = {}, options: EtlOptions = {}) {
  const out = run(`e_set(\`${target}\`, ${expr})`, { id: 1, ...row }, options);
  if (out === null) throw new Error("dropped");
  return out[target];
}

const text = (expr: string, row?: Row) => evaluate("s", expr, row);
const long = (expr: string, row?: Row) => evaluate("n", expr, row);
const dec = (expr: string, row?: Row) => evaluate("d", expr, row);
const dbl = (expr: string, row?: Row) => evaluate("f", expr, row);
const bool = (expr: string, row?: Row) => evaluate("b", expr, row);

const compileError = (script: string) => compileErrorFor(script, TABLE);

const runtimeError = (script: string, row: Row, options: EtlOptions = {}) =>
  runtimeErrorFor(script, TABLE, row, INSERT, options);

describe("arithmetic: op_sum/+, op_sub/-, op_mul/*, op_div_true//, op_mod", () => {
  it("adds longs exactly, also beyond 2^53 (written as a decimal string)", () => {
    expect(long("op_sum(1, 2)")).toBe(3);
    expect(long("`qty` + 1", { qty: 41 })).toBe(42);
    expect(long("op_sum(`id`, 1)", { id: "9007199254740993" })).toBe("9007199254740994");
    expect(long("op_sum(1, 2, 3, 4)")).toBe(10);
  });

  it("widens long to decimal exactly and decimal to double", () => {
    expect(dec("0.1 + 0.2")).toBe("0.3");
    expect(dec("`price` + 1", { price: "9.99" })).toBe("10.99");
    expect(dec("`price` * 1.1", { price: "9.99" })).toBe("10.989");
    expect(dbl("`ratio` + 1", { ratio: 0.5 })).toBe(1.5);
    expect(dbl("`price` + `ratio`", { price: "1.25", ratio: 0.5 })).toBe(1.75);
  });

  it("subtracts, negates and multiplies, exactly for longs", () => {
    expect(long("op_sub(10, 4)")).toBe(6);
    expect(long("10 - 4 - 3")).toBe(3);
    expect(long("5 - -3")).toBe(8);
    expect(long("-`qty`", { qty: 7 })).toBe(-7);
    expect(long("op_mul(`id`, `id`)", { id: 3037000500 })).toBe("9223372037000250000");
    expect(long("op_mul(2, 3, 4)")).toBe(24);
    expect(dec("op_mul(`price`, 2)", { price: "-1.50" })).toBe("-3.00");
  });

  it("respects precedence and parentheses", () => {
    expect(long("1 + 2 * 3")).toBe(7);
    expect(long("(1 + 2) * 3")).toBe(9);
    expect(dbl("8 / 2 / 2")).toBe(2);
  });

  it("divides as doubles (true division)", () => {
    expect(dbl("op_div_true(7, 2)")).toBe(3.5);
    expect(dbl("`qty` / 4", { qty: 1 })).toBe(0.25);
    expect(dbl("op_div_true(`price`, 2)", { price: "5.5" })).toBe(2.75);
  });

  it("takes the remainder with the dividend's sign (MySQL MOD)", () => {
    expect(long("op_mod(7, 3)")).toBe(1);
    expect(long("op_mod(-7, 3)")).toBe(-1);
    expect(long("op_mod(`id`, 10)", { id: "12345678901234567893" })).toBe(3);
    expect(dec("op_mod(5.5, 2)")).toBe("1.5");
    expect(dbl("op_mod(`ratio`, 2)", { ratio: 5.5 })).toBe(1.5);
  });

  it("gives NULL for a NULL operand", () => {
    expect(long("`qty` + 1", { qty: null })).toBeNull();
    expect(long("op_mul(2, `qty`)", { qty: null })).toBeNull();
    expect(dbl("op_div_true(`qty`, 0)", { qty: null })).toBeNull();
    expect(long("op_mod(`qty`, 2)", {})).toBeNull();
  });

  it("fails a row on division by zero, at the operator", () => {
    const error = runtimeError("e_set(`f`, `qty` / `id`)", { id: 0, qty: 1 });
    expect(error.message).toBe(
      "line 1, column 18: op_div_true: division by zero (row of shop.orders, key id=0)",
    );
    expect(runtimeError("e_set(`n`, op_mod(`qty`, `id`))", { id: 0, qty: 1 }).reason).toBe(
      "division by zero",
    );
    expect(runtimeError("e_set(`d`, op_mod(`price`, 0.0))", { id: 1, price: "1" }).reason).toBe(
      "division by zero",
    );
  });

  it("reports a constant division by zero before the task starts", () => {
    const error = compileError("e_set(`f`, 1 / 0)");
    expect(error.message).toBe("line 1, column 14, table shop.orders: op_div_true: division by zero");
  });

  it("rejects non-numbers, pointing at the argument", () => {
    const error = compileError('e_set(`n`, op_sum(`qty`, "1"))');
    expect([error.line, error.column]).toEqual([1, 26]);
    expect(error.problems[0]?.message).toBe(
      "op_sum: argument 2 must be a number (join strings with op_add or str_format), got a string",
    );
    expect(compileError("e_set(`n`, `name` * 2)").column).toBe(12);
  });
});

describe("numbers written into integer columns", () => {
  it("are rounded half away from zero, so the column reads back as an integer", () => {
    expect(long("`price` * 1", { price: "2.5" })).toBe(3);
    expect(long("`price` * 1", { price: "-2.5" })).toBe(-3);
    expect(long("`price` * 1", { price: "2.49" })).toBe(2);
    expect(long("`price` * 1", { price: "12345678901234567890.5" })).toBe("12345678901234567891");
    expect(long("`qty` / 4", { qty: 10 })).toBe(3);
    expect(long("`qty` / -4", { qty: 10 })).toBe(-3);
    expect(long("`ratio` * 1", { ratio: -0.2 })).toBe(0);
    expect(long("op_mul(`ratio`, 1)", { ratio: 1e20 })).toBe("100000000000000000000");
    const out = run("e_compose(e_set(`qty`, `qty` / 4), e_set(`n`, `qty` + 1))", { id: 1, qty: 10 });
    expect(out).toMatchObject({ qty: 3, n: 4 });
  });
});

describe("comparisons and logic", () => {
  it("compares numbers across long, decimal and double", () => {
    expect(bool("op_eq(`price`, 10)", { price: "10.00" })).toBe(1);
    expect(bool("op_eq(1, 1.0)")).toBe(1);
    expect(bool("op_gt(`id`, 10000)", { id: 10001 })).toBe(1);
    expect(bool("op_gt(`id`, 10000)", { id: 10000 })).toBe(0);
    expect(bool("op_lt(`ratio`, 0.5)", { ratio: 0.25 })).toBe(1);
    expect(bool("op_ge(`qty`, 3)", { qty: 3 })).toBe(1);
    expect(bool("op_le(`qty`, 3)", { qty: 4 })).toBe(0);
    expect(bool("op_gt(`id`, 9007199254740992)", { id: "9007199254740993" })).toBe(1);
  });

  it("has the infix forms == != > < >= <=", () => {
    expect(bool("`qty` == 3", { qty: 3 })).toBe(1);
    expect(bool("`qty` != 3", { qty: 3 })).toBe(0);
    expect(bool("`qty` > 2", { qty: 3 })).toBe(1);
    expect(bool("`qty` < 2", { qty: 3 })).toBe(0);
    expect(bool("`qty` >= 3", { qty: 3 })).toBe(1);
    expect(bool("`qty` <= 2", { qty: 3 })).toBe(0);
  });

  it("compares strings case-sensitively by code unit, and bools for equality", () => {
    expect(bool('op_eq(`name`, "Ada")', { name: "Ada" })).toBe(1);
    expect(bool('op_eq(`name`, "ada")', { name: "Ada" })).toBe(0);
    expect(bool('op_lt("a", "b")')).toBe(1);
    expect(bool('op_gt("a", "B")')).toBe(1);
    expect(bool("op_eq(op_gt(`qty`, 1), true)", { qty: 2 })).toBe(1);
  });

  it("compares datetimes with datetimes and with datetime strings", () => {
    const row = { created: "2024-01-02 03:04:05.5" };
    expect(bool('op_gt(`created`, "2024-01-02 03:04:05")', row)).toBe(1);
    expect(bool("op_lt(`created`, DATETIME('2024-01-02 03:04:06'))", row)).toBe(1);
    expect(bool("op_eq(`created`, DATETIME('2024-01-02 03:04:05.500000'))", row)).toBe(1);
    expect(bool("op_eq(`name`, `created`)", { ...row, name: "2024-01-02 03:04:05.5" })).toBe(1);
  });

  it("gives NULL (not true, not false) when a side is NULL", () => {
    expect(bool('op_eq(`name`, "x")', { name: null })).toBeNull();
    expect(bool("op_gt(`qty`, 1)", {})).toBeNull();
    expect(bool("op_not(op_gt(`qty`, 1))", {})).toBeNull();
  });

  it("rejects comparisons of different types with a hint", () => {
    const error = compileError('e_set(`b`, op_eq(`qty`, "3"))');
    expect(error.column).toBe(25);
    expect(error.problems[0]?.message).toBe(
      "op_eq: cannot compare a long (integer) with a string: convert one side with cast_string_to_long or cast_long_to_string",
    );
    expect(compileError("e_set(`b`, op_gt(true, false))").problems[0]?.message).toBe(
      "op_gt: argument 1 must be a number, a string or a datetime, got a bool",
    );
    expect(compileError('e_set(`b`, op_eq(`doc`, "{}"))').problems[0]?.message).toBe(
      "op_eq: argument 1 must be a number, a string, a datetime or a bool, got a json column value",
    );
  });

  it("op_and and op_or use three-valued logic and take two or more operands", () => {
    expect(bool("op_and(`qty` > 1, `qty` < 5)", { qty: 3 })).toBe(1);
    expect(bool("op_and(`qty` > 1, `qty` < 5, `qty` != 3)", { qty: 3 })).toBe(0);
    expect(bool("op_and(`qty` > 1, false)", {})).toBe(0);
    expect(bool("op_and(`qty` > 1, true)", {})).toBeNull();
    expect(bool("op_or(`qty` > 1, true)", {})).toBe(1);
    expect(bool("op_or(`qty` > 1, false)", {})).toBeNull();
    expect(bool("op_or(`qty` > 5, `qty` < 2)", { qty: 1 })).toBe(1);
    expect(bool("op_not(`qty` > 5)", { qty: 1 })).toBe(1);
  });

  it("op_and, op_or and op_not take conditions only", () => {
    expect(compileError("e_set(`b`, op_and(`qty`, true))").problems[0]?.message).toBe(
      "op_and: argument 1 must be a bool (a condition such as op_gt(`id`, 10)), got a long (integer)",
    );
    expect(compileError('e_set(`b`, op_not("x"))').column).toBe(19);
  });

  it("op_is_null and op_is_not_null test any column, NULL or not", () => {
    expect(bool("op_is_null(`name`)", { name: null })).toBe(1);
    expect(bool("op_is_null(`name`)", {})).toBe(1);
    expect(bool("op_is_null(`name`)", { name: "" })).toBe(0);
    expect(bool("op_is_not_null(`doc`)", { doc: { a: 1 } })).toBe(1);
    expect(bool("op_is_not_null(`s`)", {})).toBe(0);
    expect(bool("op_is_null(`created`)", { created: "0000-00-00 00:00:00" })).toBe(1);
  });

  it("op_in tests membership in a json_array, converting items to the value's type", () => {
    expect(bool('op_in(`id`, json_array(\'["0", "1", "2"]\'))', { id: 2 })).toBe(1);
    expect(bool("op_in(`id`, json_array('[1, 2.0, 3]'))", { id: 2 })).toBe(1);
    expect(bool("op_in(`id`, json_array('[1, 2, 3]'))", { id: 4 })).toBe(0);
    expect(bool("op_in(`price`, json_array('[\"1.50\", 2]'))", { price: "1.5" })).toBe(1);
    expect(bool('op_in(`name`, json_array(\'["a", "b"]\'))', { name: "b" })).toBe(1);
    expect(bool('op_in(`name`, json_array(\'["a", "b"]\'))', { name: "B" })).toBe(0);
    expect(
      bool("op_in(`created`, json_array('[\"2024-01-02 03:04:05\"]'))", { created: "2024-01-02 03:04:05" }),
    ).toBe(1);
    expect(bool("op_in(`qty` > 1, json_array('[true]'))", { qty: 2 })).toBe(1);
    expect(bool("op_in(`name`, json_array('[\"a\"]'))", { name: null })).toBeNull();
    expect(bool("op_in(`name`, json_array('[]'))", { name: "a" })).toBe(0);
  });

  it("op_in rejects lists that cannot hold the value, at the list", () => {
    const notNumber = compileError("e_set(`b`, op_in(`id`, json_array('[\"x\"]')))");
    expect(notNumber.column).toBe(24);
    expect(notNumber.problems[0]?.message).toBe(
      'op_in: item "x" is not a number, and the value tested is a long (integer)',
    );
    expect(compileError("e_set(`b`, op_in(`id`, json_array('[1, [2]]')))").problems[0]?.message).toContain(
      "expected a JSON array of strings, numbers or booleans",
    );
    expect(compileError("e_set(`b`, op_in(`id`, json_array('[1,')))").problems[0]?.message).toMatch(
      /^json_array: .*expected a JSON array such as/,
    );
    expect(compileError("e_set(`b`, op_in(`id`, `name`))").problems[0]?.message).toBe(
      "op_in: argument 2 must be json_array('[...]'), got a string",
    );
  });
});

describe("string functions", () => {
  it("op_add joins strings, or adds numbers when all are numbers", () => {
    expect(text('op_add("a", `name`, "c")', { name: "b" })).toBe("abc");
    expect(text('op_add(`name`, "!")', { name: null })).toBeNull();
    expect(long("op_add(1, 2)")).toBe(3);
    const error = compileError('e_set(`s`, op_add("id=", `id`))');
    expect(error.column).toBe(26);
    expect(error.problems[0]?.message).toContain("op_add: argument 2 must be a string");
  });

  it("str_format fills {} and {n} with the values as text", () => {
    expect(text('str_format("part1: {}, part2: {}", `id`, `name`)', { id: 1, name: "x" })).toBe(
      "part1: 1, part2: x",
    );
    expect(text('str_format("{1}-{0}-{1}", "a", "b")')).toBe("b-a-b");
    expect(text('str_format("{{{}}}", 5)')).toBe("{5}");
    expect(
      text('str_format("{} {} {} {}", `price`, `qty` > 1, `created`, 0.5e1)', {
        price: "1.50",
        qty: 2,
        created: "2024-01-02 03:04:05",
      }),
    ).toBe("1.50 true 2024-01-02 03:04:05 5");
    expect(text('str_format("no placeholders")')).toBe("no placeholders");
    expect(text('str_format("{}", `name`)', { name: null })).toBeNull();
  });

  it("str_format checks the format against the values before the task starts", () => {
    expect(compileError('e_set(`s`, str_format("{} {}", `id`))').problems[0]?.message).toBe(
      "str_format: the format placeholder {} needs value 2 but 1 value(s) follow the format",
    );
    expect(compileError('e_set(`s`, str_format("{} {0}", 1, 2))').problems[0]?.message).toContain(
      "mixes {} and {n} placeholders",
    );
    expect(compileError('e_set(`s`, str_format("a } b", 1))').column).toBe(23);
    expect(compileError("e_set(`s`, str_format(`name`, 1))").problems[0]?.message).toContain(
      "str_format: argument 1 must be a string literal",
    );
  });

  it("str_replace replaces all occurrences, or count of them", () => {
    expect(text('str_replace(`name`, "a", "b")', { name: "banana" })).toBe("bbnbnb");
    expect(text('str_replace(`name`, "a", "b", 1)', { name: "banana" })).toBe("bbnana");
    expect(text('str_replace(`name`, "a", "b", -1)', { name: "banana" })).toBe("bbnbnb");
    expect(text('str_replace(`name`, "a", "b", 0)', { name: "banana" })).toBe("banana");
    expect(text('str_replace(`name`, "", "-")', { name: "ab" })).toBe("-a-b-");
    expect(text('str_replace(`name`, "x", "y")', { name: null })).toBeNull();
    expect(text('str_replace("a", "a", `name`)', { name: null })).toBeNull();
    // Plain text on both sides: no regular expression, no $& or $1 in the replacement.
    expect(text('str_replace(`name`, ".", "$&$1$$")', { name: "a.b." })).toBe("a$&$1$$b$&$1$$");
    expect(text('str_replace(`name`, "", "$`")', { name: "ab" })).toBe("$`a$`b$`");
  });

  it("str_strip removes whitespace, or the given characters, from both ends", () => {
    expect(text("str_strip(`name`)", { name: "  ab c \t\n" })).toBe("ab c");
    expect(text('str_strip(`name`, "xy")', { name: "xyaxbyx" })).toBe("axb");
    expect(text('str_strip(`name`, "a")', { name: "aaa" })).toBe("");
    expect(text("str_strip(`name`)", { name: null })).toBeNull();
  });

  it("str_lower and str_upper change case (Unicode)", () => {
    expect(text("str_lower(`name`)", { name: "ÀBC" })).toBe("àbc");
    expect(text("str_upper(`name`)", { name: "straße" })).toBe("STRASSE");
    expect(text("str_upper(`name`)", { name: null })).toBeNull();
  });

  it("str_count counts non-overlapping occurrences", () => {
    expect(long('str_count(`name`, "an")', { name: "banana" })).toBe(2);
    expect(long('str_count(`name`, "aa")', { name: "aaaa" })).toBe(2);
    expect(long('str_count(`name`, "")', { name: "a😀" })).toBe(3);
    expect(long('str_count(`name`, "z")', { name: "abc" })).toBe(0);
    expect(long('str_count(`name`, "a")', { name: null })).toBeNull();
  });

  it("str_find gives the first character index, or -1", () => {
    expect(long('str_find(`name`, "na")', { name: "banana" })).toBe(2);
    expect(long('str_find(`name`, "x")', { name: "banana" })).toBe(-1);
    expect(long('str_find(`name`, "b")', { name: "😀ab" })).toBe(2);
    expect(long('str_find(`name`, "")', { name: "abc" })).toBe(0);
    expect(long('str_find(`name`, "a")', { name: null })).toBeNull();
  });

  it("str_isalpha and str_isdigit test non-empty strings", () => {
    expect(bool("str_isalpha(`name`)", { name: "abcÉ" })).toBe(1);
    expect(bool("str_isalpha(`name`)", { name: "ab1" })).toBe(0);
    expect(bool("str_isalpha(`name`)", { name: "" })).toBe(0);
    expect(bool("str_isdigit(`phone`)", { phone: "0123" })).toBe(1);
    expect(bool("str_isdigit(`phone`)", { phone: "12a" })).toBe(0);
    expect(bool("str_isdigit(`phone`)", { phone: "-1" })).toBe(0);
    expect(bool("str_isdigit(`phone`)", { phone: "١٢" })).toBe(0);
    expect(bool("str_isdigit(`phone`)", { phone: "" })).toBe(0);
    expect(bool("str_isdigit(`phone`)", { phone: null })).toBeNull();
  });

  it("regex_match matches the whole string", () => {
    expect(bool("regex_match(__TB__, 'ord\\\\w+')")).toBe(1);
    expect(bool("regex_match(`name`, 'user_\\d+')", { name: "user_12" })).toBe(1);
    expect(bool("regex_match(`name`, 'user_\\d+')", { name: "xuser_12" })).toBe(0);
    expect(bool("regex_match(`name`, 'user_\\d+')", { name: "user_12x" })).toBe(0);
    expect(bool('regex_match(`name`, "a|b")', { name: "b" })).toBe(1);
    expect(bool("regex_match(`name`, '.*')", { name: null })).toBeNull();
  });

  it("regex_match rejects invalid patterns and features RE2 lacks before the task starts", () => {
    const invalid = compileError("e_set(`b`, regex_match(`name`, '(a'))");
    expect([invalid.line, invalid.column]).toEqual([1, 32]);
    expect(invalid.problems[0]?.message).toMatch(
      /^regex_match: invalid regular expression: missing closing \)/,
    );
    expect(compileError("e_set(`b`, regex_match(`name`, '(a)\\1'))").problems[0]?.message).toContain(
      "backreferences such as \\1 are not supported",
    );
    // Nested quantifiers are fine: RE2 matches in linear time.
    expect(bool("regex_match(`name`, '(a+)+$')", { name: "a".repeat(30) })).toBe(1);
    expect(bool("regex_match(`name`, '(?i)abc')", { name: "ABC" })).toBe(1);
    // A pattern may come from the row.
    expect(bool("regex_match(`name`, `phone`)", { name: "user_1", phone: "user_\\d+" })).toBe(1);
  });

  it("regex_match fails a row whose text is longer than the limit", () => {
    const error = runtimeError(
      "e_set(`b`, regex_match(`name`, 'a*'))",
      { id: 7, name: "a".repeat(11) },
      {
        regexInputLimit: 10,
      },
    );
    expect(error.message).toBe(
      "line 1, column 12: regex_match: input of 11 characters is longer than the 10 a regular expression may read (row of shop.orders, key id=7)",
    );
    expect(
      evaluate("b", "regex_match(`name`, 'a*')", { name: "a".repeat(10) }, { regexInputLimit: 10 }),
    ).toBe(1);
  });

  it("str_mask masks characters start..end (0-based, inclusive)", () => {
    expect(text("str_mask(`phone`, 7, 10, '#')", { phone: "13800001234" })).toBe("1380000####");
    expect(text("str_mask(`phone`, 3, 6, '*')", { phone: "18700001111" })).toBe("187****1111");
    expect(text("str_mask(`phone`, 8, 100, '*')", { phone: "13800001234" })).toBe("13800001***");
    expect(text("str_mask(`phone`, -5, 1, '*')", { phone: "1234" })).toBe("**34");
    expect(text("str_mask(`phone`, 5, 2, '*')", { phone: "1234567" })).toBe("1234567");
    expect(text("str_mask(`phone`, 9, 12, '*')", { phone: "1234" })).toBe("1234");
    expect(text("str_mask(`name`, 1, 1, '*')", { name: "😀😀😀" })).toBe("😀*😀");
    expect(text("str_mask(`name`, 0, 1, 'xy')", { name: "abc" })).toBe("xyxyc");
    expect(text("str_mask(`phone`, 0, 1, '*')", { phone: null })).toBeNull();
    expect(compileError("e_set(`s`, str_mask(`phone`, \"7\", 10, '*'))").column).toBe(30);
  });

  it("substring_after, substring_before and substring_between cut at separators", () => {
    expect(text('substring_after(`name`, "@")', { name: "ada@example.com" })).toBe("example.com");
    expect(text('substring_after(`name`, "#")', { name: "ada" })).toBe("");
    expect(text('substring_after(`name`, "")', { name: "ada" })).toBe("ada");
    expect(text('substring_before(`name`, "@")', { name: "ada@example.com" })).toBe("ada");
    expect(text('substring_before(`name`, "#")', { name: "ada" })).toBe("ada");
    expect(text('substring_before(`name`, "")', { name: "ada" })).toBe("");
    expect(text('substring_between(`name`, "[", "]")', { name: "a[b]c]" })).toBe("b");
    expect(text('substring_between(`name`, "[", "]")', { name: "a[bc" })).toBeNull();
    expect(text('substring_between(`name`, "<", ">")', { name: "abc" })).toBeNull();
    expect(text('substring_after(`name`, "@")', { name: null })).toBeNull();
  });

  it("cast_string_to_long parses signed integers within the long range", () => {
    expect(long("cast_string_to_long(`phone`)", { phone: " 42 " })).toBe(42);
    expect(long("cast_string_to_long(`phone`)", { phone: "-9223372036854775808" })).toBe(
      "-9223372036854775808",
    );
    expect(long("cast_string_to_long(`phone`)", { phone: "+7" })).toBe(7);
    expect(long("cast_string_to_long(`phone`)", { phone: null })).toBeNull();
  });

  it("cast_string_to_long fails the row on text that is not an integer", () => {
    const error = runtimeError("e_set(`n`, cast_string_to_long(`phone`))", { id: 9, phone: "abc" });
    expect(error.message).toBe(
      'line 1, column 12: cast_string_to_long: "abc" is not an integer (row of shop.orders, key id=9)',
    );
    expect([error.functionName, error.line, error.column, error.table, error.key]).toEqual([
      "cast_string_to_long",
      1,
      12,
      "orders",
      { id: 9 },
    ]);
    expect(runtimeError("e_set(`n`, cast_string_to_long(`phone`))", { id: 1, phone: "1.5" }).reason).toBe(
      '"1.5" is not an integer',
    );
    expect(
      runtimeError("e_set(`n`, cast_string_to_long(`phone`))", { id: 1, phone: "9223372036854775808" })
        .reason,
    ).toBe('"9223372036854775808" is out of the long range (-2^63 to 2^63-1)');
  });

  it("cast_long_to_string writes the digits", () => {
    expect(text("cast_long_to_string(`id`)", { id: 42 })).toBe("42");
    expect(text("cast_long_to_string(`id`)", { id: "18446744073709551615" })).toBe("18446744073709551615");
    expect(text("cast_long_to_string(`qty`)", { qty: null })).toBeNull();
    expect(compileError("e_set(`s`, cast_long_to_string(`price`))").problems[0]?.message).toBe(
      "cast_long_to_string: argument 1 must be a long, got a decimal",
    );
  });

  it("string functions take strings only", () => {
    const error = compileError("e_set(`s`, str_upper(`id`))");
    expect([error.column, error.problems[0]?.message]).toEqual([
      22,
      "str_upper: argument 1 must be a string, got a long (integer)",
    ]);
  });
});

describe("conditional (cond ? a : b)", () => {
  it("picks a branch; a NULL condition takes the second", () => {
    expect(text('(`id` > 1000 ? "big" : "small")', { id: 1001 })).toBe("big");
    expect(text('`id` > 1000 ? "big" : "small"', { id: 5 })).toBe("small");
    expect(text('op_gt(`qty`, 1) ? "yes" : "no"', { qty: null })).toBe("no");
    expect(text('`qty` > 1 ? "a" : `qty` > 0 ? "b" : "c"', { qty: 1 })).toBe("b");
  });

  it("widens numeric branches and rejects branches of different types", () => {
    expect(dec("`qty` > 1 ? 1 : 0.5", { qty: 2 })).toBe("1");
    expect(dec("`qty` > 1 ? 1 : 0.5", { qty: 0 })).toBe("0.5");
    const error = compileError('e_set(`s`, `qty` > 1 ? "a" : 1)');
    expect(error.column).toBe(30);
    expect(error.problems[0]?.message).toBe(
      "both results of (cond ? a : b) must have the same type: the first is a string, this one a long (integer)",
    );
    expect(compileError('e_set(`s`, `qty` ? "a" : "b")').problems[0]?.message).toContain(
      "the condition of (cond ? a : b) must be a bool",
    );
  });
});

describe("NULL in, NULL out", () => {
  // One call per value function with a NULL argument, and the target column of its result type.
  const CASES: Record<string, [target: string, expr: string]> = {
    op_sum: ["n", "op_sum(`qty`, 1)"],
    op_sub: ["n", "op_sub(1, `qty`)"],
    op_mul: ["n", "op_mul(2, `qty`)"],
    op_div_true: ["f", "op_div_true(1, `qty`)"],
    op_mod: ["n", "op_mod(`qty`, 0)"],
    op_eq: ["b", "op_eq(1, `qty`)"],
    op_gt: ["b", "op_gt(`qty`, 1)"],
    op_lt: ["b", "op_lt(`qty`, 1)"],
    op_ge: ["b", "op_ge(`created`, '2024-01-01 00:00:00')"],
    op_le: ["b", "op_le(`name`, 'a')"],
    op_not: ["b", "op_not(op_eq(`name`, 'a'))"],
    op_in: ["b", "op_in(`qty`, json_array('[1]'))"],
    op_add: ["s", "op_add('a', `name`)"],
    str_format: ["s", "str_format('{}{}', 1, `name`)"],
    str_replace: ["s", "str_replace('abc', `name`, 'x')"],
    str_strip: ["s", "str_strip('abc', `name`)"],
    str_lower: ["s", "str_lower(`name`)"],
    str_upper: ["s", "str_upper(`name`)"],
    str_count: ["n", "str_count('abc', `name`)"],
    str_find: ["n", "str_find(`name`, 'a')"],
    str_isalpha: ["b", "str_isalpha(`name`)"],
    str_isdigit: ["b", "str_isdigit(`name`)"],
    regex_match: ["b", "regex_match(`name`, 'a')"],
    str_mask: ["s", "str_mask('abc', `qty`, 2, '*')"],
    substring_after: ["s", "substring_after(`name`, '@')"],
    substring_before: ["s", "substring_before('a@b', `name`)"],
    substring_between: ["s", "substring_between('a<b>', '<', `name`)"],
    cast_string_to_long: ["n", "cast_string_to_long(`name`)"],
    cast_long_to_string: ["s", "cast_long_to_string(`qty`)"],
    dt_fromtimestamp: ["t", "dt_fromtimestamp(`qty`)"],
    dt_fromtimestamp_millis: ["t", "dt_fromtimestamp_millis(`qty`, 'UTC')"],
    dt_parsetimestamp: ["n", "dt_parsetimestamp(`created`)"],
    dt_str: ["s", "dt_str(`created`, 'yyyy')"],
    dt_strptime: ["t", "dt_strptime(`name`, 'yyyy')"],
    dt_add: ["t", "dt_add(`created`, days=`qty`)"],
  };
  // Functions that never give NULL for a NULL argument (tested above) or take none.
  const OTHERS = [
    "op_and",
    "op_or",
    "op_is_null",
    "op_is_not_null",
    "dt_now",
    "dt_now_millis",
    "DATETIME",
    "json_array",
  ];

  it("covers every value function", () => {
    const values = [...ETL_FUNCTIONS.values()].filter((f) => f.kind === "value").map((f) => f.name);
    expect([...Object.keys(CASES), ...OTHERS].sort()).toEqual(values.sort());
  });

  it.each(Object.entries(CASES))("%s gives NULL for a NULL argument", (_name, [target, expr]) => {
    expect(evaluate(target, expr, { qty: null, name: null, created: null })).toBeNull();
  });
});
