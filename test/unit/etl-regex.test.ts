import { describe, expect, it } from "vitest";
import { cachedPatterns, compilePattern, toRe2Syntax } from "#core/etl/functions/regex.ts";
import {
  compileEtl,
  EtlError,
  type EtlRowContext,
  type EtlTable,
  MAX_PATTERN_LENGTH,
  parseEtl,
  validateEtl,
} from "#core/etl/index.ts";
import type { Row } from "#core/model/row.ts";
import { compileError as compileErrorFor, runtimeError as runtimeErrorFor } from "../support/etl-errors.ts";

// regex_match runs on RE2 (linear time in the text, whatever the pattern), with patterns written
// in the script or taken from the row. Nothing here measures time: a backtracking engine would
// hang these tests (the first one takes minutes on JavaScript's RegExp) and vitest would fail them.

const TABLE: EtlTable = {
  database: "shop",
  table: "orders",
  columns: [
    { name: "id", dataType: "bigint" },
    { name: "name", dataType: "varchar" },
    { name: "pattern", dataType: "varchar" },
  ],
  addedColumns: [{ name: "b", dataType: "tinyint" }],
  key: ["id"],
};
const INSERT: EtlRowContext = { operation: "insert", commitTimestamp: 0 };

/** regex_match(`name`, pattern) as 1, 0 or null. */
function matches(pattern: string, name: string | null, row: Row = {}): unknown {
  return compileEtl(`e_set(\`b\`, regex_match(\`name\`, ${pattern}))`, TABLE).transform(
    { id: 1, name, ...row },
    INSERT,
  )?.b;
}

const compileError = (script: string) => compileErrorFor(script, TABLE);

const runtimeError = (script: string, row: Row) => runtimeErrorFor(script, TABLE, row, INSERT);

describe("regex_match in linear time", () => {
  it("answers patterns that make a backtracking engine run for hours", () => {
    const text = "a".repeat(400);
    expect(matches("'.*a.*a.*a.*a.*b'", text)).toBe(0);
    expect(matches("'(a+)+$'", `${"a".repeat(65_535)}!`)).toBe(0);
    expect(matches("'(a|aa)*c'", "a".repeat(65_536))).toBe(0);
    // The same from the row, and a pattern spread over the row and the script.
    expect(matches("`pattern`", text, { pattern: ".*a.*a.*a.*a.*b" })).toBe(0);
    expect(matches("op_add(`pattern`, '.*b')", text, { pattern: "(.*a){20}" })).toBe(0);
    expect(matches("`pattern`", text, { pattern: "(.*a){20}" })).toBe(1);
  });

  it("matches the whole string, by characters, with Python's defaults", () => {
    expect(matches("'user_\\d+'", "user_12")).toBe(1);
    expect(matches("'user_\\d+'", "xuser_12")).toBe(0);
    expect(matches("'user_\\d+'", "user_12\n")).toBe(0);
    expect(matches("'a.c'", "a😀c")).toBe(1); // one character, not two UTF-16 units
    expect(matches("'a.c'", "a\nc")).toBe(0); // '.' stops at a newline unless (?s)
    expect(matches("'(?s)a.c'", "a\nc")).toBe(1);
    expect(matches("'(?i)straße'", "STRASSE")).toBe(0); // simple case folding, as Python
    expect(matches("'(?i)abc'", "AbC")).toBe(1);
    expect(matches("'\\d+'", "١٢")).toBe(0); // \d is ASCII
    expect(matches("'(?P<year>\\d{4})-(?<month>\\d\\d)'", "2024-05")).toBe(1);
    expect(matches("'caf\\u00e9'", "café")).toBe(1); // \u as in Python, Java and JavaScript
    expect(matches("'x\\Z'", "x")).toBe(1); // Python's \Z: end of text
    expect(matches("'a\\\\\\\\u0041'", "a\\u0041")).toBe(1); // an escaped backslash stays one
    expect(matches("''", "")).toBe(1);
    expect(matches("'a'", null)).toBeNull();
    expect(matches("`pattern`", "a", { pattern: null })).toBeNull();
  });

  it("refuses what RE2 lacks before the task starts, where the pattern is written", () => {
    const cases: [string, string][] = [
      ["'(a)\\\\1'", "backreferences such as \\1 are not supported"],
      ["'(?P<x>a)(?P=x)'", "backreferences such as \\1 are not supported"],
      ["'a(?=b)'", "lookahead (?= and (?! is not supported"],
      ["'a(?!b)'", "lookahead (?= and (?! is not supported"],
      ["'(?<=b)a'", "lookbehind (?<= and (?<! is not supported"],
      ["'(?<!b)a'", "lookbehind (?<= and (?<! is not supported"],
      ["'a++'", "atomic groups and possessive quantifiers are not supported"],
      ["'(?>a)'", "atomic groups and possessive quantifiers are not supported"],
    ];
    for (const [pattern, hint] of cases) {
      const error = compileError(`e_set(\`b\`,\n  regex_match(\`name\`, ${pattern}))`);
      expect([error.line, error.column], pattern).toEqual([2, 23]);
      expect(error.problems[0]?.message, pattern).toMatch(/^regex_match: invalid regular expression: /);
      expect(error.problems[0]?.message, pattern).toContain(hint);
      expect(error.problems[0]?.message, pattern).toContain("RE2 syntax, which matches in linear time");
    }
  });

  it("checks a written pattern once, whatever the tables", () => {
    const other: EtlTable = { ...TABLE, table: "others" };
    const problems = validateEtl("e_set(`b`, regex_match(`name`, 'a{2,1}'))", [TABLE, other]);
    expect(problems).toEqual([
      {
        line: 1,
        column: 32,
        message:
          "regex_match: invalid regular expression: invalid repeat count: `{2,1}`: regular expressions use RE2 syntax, which matches in linear time",
      },
    ]);
    expect(() => parseEtl("e_set(`b`, regex_match(`name`, 'a{2,1}'))")).toThrow(EtlError);
  });

  it("compiles a constant pattern that is not a literal before the task starts", () => {
    expect(matches("op_add('a', 'b+')", "abbb")).toBe(1);
    expect(compileError("e_set(`b`, regex_match(`name`, op_add('(', 'a')))").problems[0]).toMatchObject({
      line: 1,
      column: 32,
      message: expect.stringMatching(/^regex_match: invalid regular expression: missing closing \)/),
    });
  });

  it("stops the task on a row whose pattern RE2 refuses, naming the pattern, the call and the row", () => {
    const error = runtimeError("e_set(`b`, regex_match(`name`, `pattern`))", {
      id: 9,
      name: "foobar",
      pattern: "(?<=foo)bar",
    });
    expect(error.message).toBe(
      'line 1, column 12: regex_match: pattern "(?<=foo)bar": invalid regular expression: invalid named capture: `(?<=foo)bar`: lookbehind (?<= and (?<! is not supported (regular expressions use RE2 syntax, which matches in linear time) (row of shop.orders, key id=9)',
    );
  });

  it(`limits patterns to ${MAX_PATTERN_LENGTH.toLocaleString("en-US")} characters, written or from the row`, () => {
    const long = "a".repeat(MAX_PATTERN_LENGTH + 1);
    expect(matches(`'${long.slice(1)}'`, long.slice(1))).toBe(1);
    expect(compileError(`e_set(\`b\`, regex_match(\`name\`, '${long}'))`).problems[0]?.message).toBe(
      "regex_match: the regular expression is 4,097 characters long, more than the 4,096 allowed",
    );
    expect(
      runtimeError("e_set(`b`, regex_match(`name`, `pattern`))", { id: 1, name: "a", pattern: long }).reason,
    ).toMatch(/^pattern "a{64}\.\.\.": the regular expression is 4,097 characters long/);
  });

  it("compiles a pattern from the rows once per distinct text, in a bounded cache", () => {
    const compiled = compileEtl("e_set(`b`, regex_match(`name`, `pattern`))", TABLE);
    const run = (pattern: string, name: string) => compiled.transform({ id: 1, name, pattern }, INSERT)?.b;
    expect(compilePattern("x+y")).toBe(compilePattern("x+y"));
    for (let i = 0; i < 1_000; i++) expect(run(`row${i}_\\d+`, `row${i}_${i}`)).toBe(1);
    expect(cachedPatterns()).toBeLessThanOrEqual(64);
    const before = compilePattern("row999_\\d+");
    expect(run("row999_\\d+", "row999_1")).toBe(1);
    expect(compilePattern("row999_\\d+")).toBe(before);
  });
});

describe("toRe2Syntax", () => {
  it("rewrites Python's \\u, \\U and \\Z, and nothing else", () => {
    expect(toRe2Syntax("\\u00e9\\U0001F600\\Z")).toBe("\\x{00e9}\\x{0001F600}\\z");
    expect(toRe2Syntax("\\\\u00e9 \\u12 \\d \\")).toBe("\\\\u00e9 \\u12 \\d \\");
    expect(toRe2Syntax("plain")).toBe("plain");
  });
});
