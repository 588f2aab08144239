import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluatePrecheck } from "#core/precheck/run.ts";
import {
  FilterError,
  filterColumns,
  MAX_CONDITIONS,
  MAX_FILTER_LENGTH,
  MAX_NESTING,
  parseFilter,
  renderFilter,
} from "#core/sql/filter.ts";
import { matchesFilter } from "#core/sql/filter-eval.ts";
import { catalogOf, facts, sourceFacts, table } from "../support/facts.ts";
import { spec } from "../support/spec-fixtures.ts";

const COLUMNS = ["id", "status", "amount", "created_at", "order", "a", "b", "c"];

function rejected(
  filter: string,
  columns: readonly (string | { name: string; dataType: string })[] = COLUMNS,
) {
  try {
    parseFilter(filter, columns);
  } catch (error) {
    expect(error).toBeInstanceOf(FilterError);
    const { message, filter: shown } = error as FilterError;
    return message.replace(`WHERE filter ${JSON.stringify(shown)}: `, "");
  }
  throw new Error(`accepted ${filter}`);
}
const sql = (filter: string) => renderFilter(parseFilter(filter, COLUMNS)).sql;
const hex = (text: string) => `_utf8mb4 X'${Buffer.from(text).toString("hex")}'`;

describe("WHERE filters", () => {
  it("renders the allowed constructs, every value inline and independent of the sql_mode", () => {
    const expr = parseFilter(
      "status <> 'void' AND (amount BETWEEN 10 AND 20.5 OR id IN (1, 2, 3)) AND NOT created_at IS NULL AND status LIKE 'p%'",
      COLUMNS,
    );
    expect(renderFilter(expr)).toEqual({
      sql:
        `((((\`status\` <> ${hex("void")}) AND ((\`amount\` BETWEEN 10 AND 20.5) OR (\`id\` IN (1, 2, 3)))) ` +
        `AND (NOT (\`created_at\` IS NULL))) AND (\`status\` LIKE ${hex("p%")} ESCAPE _utf8mb4 X'5c'))`,
    });
    expect([...filterColumns(expr)].sort()).toEqual(["amount", "created_at", "id", "status"]);
  });

  it("matches column names case-insensitively and quotes reserved words", () => {
    expect(sql("`ORDER` = 'x' AND Status IS NOT NULL")).toBe(
      `((\`order\` = ${hex("x")}) AND (\`status\` IS NOT NULL))`,
    );
  });

  it("writes strings as hex literals, so no backslash or quote can leave them under NO_BACKSLASH_ESCAPES", () => {
    expect(sql("status = 'x'' OR 1=1 -- '")).toBe(`(\`status\` = ${hex("x' OR 1=1 -- ")})`);
    expect(sql("status = 'x\\\\'' OR 1=1 -- '")).toBe(`(\`status\` = ${hex("x\\' OR 1=1 -- ")})`);
    expect(rejected("status = 'x\\\\' OR 1=1 -- '")).toBe("comments are not allowed at column 23");
    expect(sql("status = ''")).toBe("(`status` = _utf8mb4'')");
    expect(sql("status = '😀\\n'")).toBe(`(\`status\` = _utf8mb4 X'f09f98800a')`);
    expect(sql("status LIKE 'a\\%' ESCAPE '|'")).toBe(
      `(\`status\` LIKE ${hex("a\\%")} ESCAPE _utf8mb4 X'7c')`,
    );
  });

  it("keeps numbers as written and reads AND above OR and NOT below the comparisons", () => {
    expect(sql("a = 0.1000000000000000000001 OR a = 1e1 AND b = -5")).toBe(
      "((`a` = 0.1000000000000000000001) OR ((`a` = 1e1) AND (`b` = -5)))",
    );
    expect(sql("NOT a = 1 AND b <=> NULL")).toBe("((NOT (`a` = 1)) AND (`b` <=> NULL))");
    expect(sql("(a) = (1) AND a NOT IN ((1), 2) AND a NOT BETWEEN - 1 AND 2 AND c NOT LIKE b")).toBe(
      "((((`a` = 1) AND (`a` NOT IN (1, 2))) AND (`a` NOT BETWEEN -1 AND 2)) AND (`c` NOT LIKE `b` ESCAPE _utf8mb4 X'5c'))",
    );
  });

  it("refuses what it does not represent, at the offending token", () => {
    const cases: [string, string][] = [
      ["a = 1 UNION SELECT 1", "UNION is not allowed at column 7"],
      ["a = 1 INTO OUTFILE '/tmp/x'", "INTO is not allowed at column 7"],
      ["status = 'x' COLLATE utf8mb4_bin", "COLLATE is not allowed at column 14"],
      ["BINARY a = 'x'", "BINARY is not allowed at column 1"],
      ["a LIKE BINARY 'x'", "BINARY is not allowed at column 8"],
      ["a = 1 /* x */", "comments are not allowed at column 7"],
      ["a = 1 -- x", "comments are not allowed at column 7"],
      ["a = 1 # x", "comments are not allowed at column 7"],
      ["a = _utf8mb4'x'", "prefixed strings (X'..', N'..', _charset'..') are not allowed at column 5"],
      ["a = _latin1 'x'", "character set introducers are not allowed at column 5"],
      ["a = X'41'", "prefixed strings (X'..', N'..', _charset'..') are not allowed at column 5"],
      ["a = N'x'", "prefixed strings (X'..', N'..', _charset'..') are not allowed at column 5"],
      ["a = b'1'", "prefixed strings (X'..', N'..', _charset'..') are not allowed at column 5"],
      ["a = 0x41", "hexadecimal and bit literals (0x41) are not allowed at column 5"],
      ["a DIV 2 = 1", "DIV is not allowed at column 3"],
      ["a MOD 2 = 1", "MOD is not allowed at column 3"],
      ["a = 1 && b = 2", "& and && are not allowed (write AND) at column 7"],
      ["a = 1 || b = 2", "| and || are not allowed (write OR) at column 7"],
      ["!(a = 1)", "! is not allowed (write NOT) at column 1"],
      ["a = 1 XOR b = 1", "XOR is not allowed at column 7"],
      [
        "a IS TRUE",
        "TRUE is not allowed here (expected NULL; IS TRUE/FALSE/UNKNOWN are not allowed) at column 6",
      ],
      [
        "a IS NOT UNKNOWN",
        "UNKNOWN is not allowed here (expected NULL; IS TRUE/FALSE/UNKNOWN are not allowed) at column 10",
      ],
      ["a REGEXP 'x'", "REGEXP is not allowed at column 3"],
      ["a RLIKE 'x'", "RLIKE is not allowed at column 3"],
      ["a SOUNDS LIKE 'x'", "SOUNDS is not allowed at column 3"],
      ["1 MEMBER OF (a)", "MEMBER is not allowed at column 3"],
      ["a = INTERVAL 1 DAY", "INTERVAL is not allowed at column 5"],
      ["a = @v", "variables (@name) are not allowed at column 5"],
      ["a = ?", "placeholders (?) are not allowed at column 5"],
      ["a = 'a' 'b'", "'b' is not allowed at column 9"],
      [
        'a = "x"',
        "double-quoted text is a string or a name depending on ANSI_QUOTES: write 'strings' and `names` at column 5",
      ],
      ["(a, b) = (1, 2)", ", is not allowed here (expected )) at column 3"],
      ["a IN ((1, 2))", ", is not allowed here (expected )) at column 9"],
      ["a = --1", "- is not allowed here (expected a column or a value) at column 5"],
      ["a + 1 > 2", "arithmetic (+) is not allowed at column 3"],
      ["a = ~1", "~ is not allowed at column 5"],
      ["t.a = 1", "qualified column t.… is not allowed (write the column alone) at column 1"],
      ["a LIKE 'x' ESCAPE ''", "ESCAPE takes one character in quotes at column 19"],
      ["a LIKE 5", "LIKE compares text: quote the value at column 8"],
      ["1 = 1", "compares values only (a condition must read a column) at column 1"],
      ["a", "a value alone is not a condition (compare it, e.g. x <> 0) at column 1"],
      ["(a = 1", "this ( is not closed at column 1"],
      ["a = 1)", "this ) closes no ( at column 6"],
      ["a = 'x", "the string starting here is not closed at column 5"],
      ["a = '\ud800'", "contains an invalid character (a lone UTF-16 surrogate) at column 6"],
    ];
    for (const [filter, message] of cases) expect([filter, rejected(filter)]).toEqual([filter, message]);
  });

  it("rejects functions, subqueries, several statements and unknown columns", () => {
    expect(rejected("id > 0 AND sleep(5) = 0")).toBe("function sleep() is not allowed at column 12");
    expect(rejected("id IN (SELECT id FROM other)")).toBe("subqueries are not allowed at column 8");
    expect(rejected("id = 1; DROP TABLE t")).toBe("must be a single condition (no ';') at column 7");
    expect(rejected("nope = 1")).toMatch(/^column nope is not a column of this table .* at column 1$/);
    expect(rejected("id =")).toBe("is incomplete (expected a column or a value) at column 5");
  });

  it("limits size, conditions and nesting before parsing, without ever overflowing the stack", () => {
    const huge = Array.from({ length: 20_000 }, () => "a = 1").join(" AND ");
    expect(rejected(huge)).toBe(`is longer than ${MAX_FILTER_LENGTH} characters`);
    const many = (n: number) => Array.from({ length: n }, () => "a=1").join(" AND ");
    expect(() => parseFilter(many(MAX_CONDITIONS), COLUMNS)).not.toThrow();
    expect(rejected(many(MAX_CONDITIONS + 1))).toMatch(
      `has more than ${MAX_CONDITIONS} conditions at column`,
    );
    const nested = (n: number) => `${"(".repeat(n)}a = 1${")".repeat(n)}`;
    expect(() => parseFilter(nested(MAX_NESTING), COLUMNS)).not.toThrow();
    expect(rejected(nested(MAX_NESTING + 1))).toBe(
      `nests parentheses deeper than ${MAX_NESTING} levels at column 33`,
    );
    expect(rejected(nested(2000))).toMatch(/nests parentheses deeper/);
    expect(() => parseFilter(`${"NOT ".repeat(1000)}a = 1`, COLUMNS)).not.toThrow();
  });

  it("types columns given with their data type, and compares date columns with dates only", () => {
    const columns = [
      { name: "d", dataType: "decimal" },
      { name: "t", dataType: "datetime" },
      { name: "s", dataType: "varchar" },
      { name: "b", dataType: "varbinary" },
    ];
    expect(parseFilter("d = 1", columns)).toMatchObject({
      left: { kind: "column", name: "d", type: "exact" },
    });
    expect(() => parseFilter("t >= '2024-01-01' AND t < '2024-02-01 00:00:00.5'", columns)).not.toThrow();
    expect(rejected("t = 20240101", columns)).toBe(
      "compare a date column with 'YYYY-MM-DD[ hh:mm:ss[.ffffff]]' or a date column at column 5",
    );
    expect(rejected("t IN ('2024/01/01')", columns)).toMatch(/compare a date column .* at column 7$/);
    expect(rejected("s = b", columns)).toMatch(/compares a text column with a binary one/);
    expect(rejected("b LIKE s", columns)).toMatch(/compares a text column with a binary one .* at column 8$/);
    const more = [...columns, { name: "e", dataType: "enum" }, { name: "j", dataType: "json" }];
    expect(() =>
      parseFilter("e IN ('a', 'b') AND e < 'c' AND e LIKE 'x%' AND j IS NOT NULL", more),
    ).not.toThrow();
    expect(rejected("e = 1", more)).toBe(
      "compare an ENUM column with quoted values (a number means a position) at column 5",
    );
    expect(rejected("j = '{}'", more)).toBe(
      "a json column can only be tested with IS [NOT] NULL at column 1",
    );
  });

  it("answers any text with a filter or a FilterError, and a parsed filter renders and evaluates", () => {
    const pieces = [
      "a",
      "b",
      "`c`",
      "=",
      "<=>",
      "<",
      "!=",
      "-",
      "1",
      "1.5",
      "1e1",
      "'x'",
      "'\\'",
      "NULL",
      "TRUE",
    ];
    const words = [
      "AND",
      "OR",
      "NOT",
      "IN",
      "BETWEEN",
      "LIKE",
      "ESCAPE",
      "IS",
      "(",
      ")",
      ",",
      ";",
      "#",
      "--",
      "/*",
    ];
    const text = fc.oneof(
      fc.array(fc.constantFrom(...pieces, ...words), { maxLength: 40 }).map((t) => t.join(" ")),
      fc.string({ maxLength: 60, unit: "binary" }),
    );
    fc.assert(
      fc.property(text, (filter) => {
        try {
          const expr = parseFilter(filter, COLUMNS);
          expect(renderFilter(expr).sql).toMatch(/^\(.*\)$/s);
          matchesFilter(expr, { a: "1", b: null, c: 2 });
        } catch (error) {
          if (!(error instanceof FilterError)) throw error;
        }
      }),
      { seed: 7, numRuns: 3000 },
    );
  });
});

describe("WHERE filters on text columns of known collations", () => {
  const columns = (collation: string, other = collation) => [
    { name: "id", dataType: "int" },
    { name: "name", dataType: "varchar", collation },
    { name: "other", dataType: "varchar", collation: other },
    { name: "kind", dataType: "enum", collation },
  ];
  const refusal = (filter: string, collation: string, other?: string) => {
    try {
      parseFilter(filter, columns(collation, other));
    } catch (error) {
      expect(error).toBeInstanceOf(FilterError);
      return error as FilterError;
    }
    throw new Error(`accepted ${filter} under ${collation}`);
  };

  it("refuses comparing text under a collation the evaluator does not reproduce, naming it and the fix", () => {
    const error = refusal("id > 0 AND name <> 'void'", "utf8mb4_0900_ai_ci");
    expect(error.summary).toBe(
      `WHERE filter "id > 0 AND name <> 'void'": column name uses collation utf8mb4_0900_ai_ci, ` +
        "whose text comparisons dts cannot reproduce exactly on binlog rows at column 12",
    );
    expect(error.fix).toMatch(
      /^compare name only with numbers or IS \[NOT\] NULL, filter on other columns, or leave the filter out \(dts compares text exactly under .*latin1_swedish_ci.*\)$/,
    );
    expect(error.message).toBe(`${error.summary}. C${error.fix?.slice(1)}`);
    const unmodelled = [
      "utf8mb4_0900_ai_ci",
      "utf8mb4_0900_as_cs",
      "utf8mb4_unicode_ci",
      "utf8mb3_unicode_520_ci",
      "utf8mb4_uca1400_ai_ci",
      "utf8mb4_swedish_ci",
      "utf8mb3_general_mysql500_ci",
      "latin1_german2_ci",
      "latin1_general_cs",
      "latin1_danish_ci",
      "utf8mb4_0900_nopad_bin",
    ];
    const conditions = [
      ["name = 'x'", 1],
      ["name IN ('a', 'b')", 1],
      ["id IN (1, 'a', name)", 16],
      ["name BETWEEN 'a' AND 'm'", 1],
      ["name NOT LIKE 'a%'", 1],
      ["'abc' LIKE name", 12],
      ["name = other", 1],
      ["name < name", 1],
      ["kind = 'a'", 1],
    ] as const;
    for (const collation of unmodelled) {
      for (const [filter, at] of conditions) {
        const { summary } = refusal(filter, collation);
        expect(summary).toContain(`uses collation ${collation}, whose text comparisons dts cannot reproduce`);
        expect(summary).toMatch(new RegExp(` at column ${at}$`));
      }
    }
  });

  it("lets an ENUM of such a collation be compared for equality with its values spelled as defined", () => {
    const status = [
      { name: "id", dataType: "int" },
      {
        name: "status",
        dataType: "enum",
        collation: "utf8mb4_unicode_ci",
        columnType: "enum('new','it''s','Void')",
      },
    ];
    const cases: [string, string, boolean][] = [
      ["status <> 'Void'", "Void", false],
      ["status <> 'Void'", "new", true],
      ["'new' = status", "new", true],
      ["status NOT IN ('new', 'it''s', NULL)", "Void", false],
      ["status IN ('new', 'it''s')", "it's", true],
      ["status <=> NULL", "Void", false],
    ];
    for (const [filter, value, expected] of cases) {
      expect([filter, value, matchesFilter(parseFilter(filter, status), { status: value })]).toEqual([
        filter,
        value,
        expected,
      ]);
    }
    const refused = (filter: string) => {
      try {
        parseFilter(filter, status);
      } catch (error) {
        return (error as FilterError).message;
      }
      return "accepted";
    };
    for (const filter of [
      "status = 'void'",
      "status = 'new '",
      "status < 'new'",
      "status LIKE 'new'",
      "'new' IN (status, 'x')",
      "status IN ('new', 'x')",
      "id LIKE status",
    ]) {
      expect(refused(filter)).toMatch(
        /uses collation utf8mb4_unicode_ci, .*\. Compare status with =, <>, <=> or IN and values spelled exactly as in its ENUM definition, /,
      );
    }
  });

  it("still lets such a column be tested with IS NULL or compared with numbers", () => {
    const under = columns("utf8mb4_0900_ai_ci");
    for (const filter of [
      "name IS NOT NULL",
      "name = 5",
      "name IN (1, 2.5)",
      "name <=> NULL",
      "name LIKE NULL",
    ]) {
      expect(() => parseFilter(filter, under)).not.toThrow();
    }
  });

  it("refuses comparing two text columns of different collations", () => {
    const error = refusal("name = other", "utf8mb4_bin", "utf8mb4_general_ci");
    expect(error.message).toBe(
      'WHERE filter "name = other": compares column name (utf8mb4_bin) with column other (utf8mb4_general_ci) ' +
        "at column 8. Compare each of them with values, or compare text columns of the same collation only",
    );
    expect(refusal("'x' IN (name, other)", "utf8mb3_general_ci", "utf8mb4_general_ci").summary).toMatch(
      /compares column name \(utf8mb3_general_ci\) with column other \(utf8mb4_general_ci\) at column 15$/,
    );
    expect(() => parseFilter("name = other AND name LIKE other", columns("latin1_swedish_ci"))).not.toThrow();
  });

  it("refuses strings the column's character set cannot hold (the server refuses them too)", () => {
    expect(refusal("name = 'Ω'", "latin1_swedish_ci").message).toBe(
      `WHERE filter "name = 'Ω'": Ω does not exist in latin1, the character set of column name (the server refuses the comparison) at column 8`,
    );
    expect(refusal("name IN ('a', 'x😀')", "utf8mb3_general_ci").summary).toMatch(
      /😀 does not exist in utf8mb3, .* at column 15$/,
    );
    expect(refusal("name LIKE 'é%'", "ascii_bin").summary).toMatch(
      /é does not exist in ascii, the character set of column name/,
    );
    expect(() => parseFilter("name IN ('€', 'Å', '\u0081')", columns("latin1_bin"))).not.toThrow();
    expect(() => parseFilter("name = 'x😀'", columns("utf8mb4_bin"))).not.toThrow();
  });

  it("accepts text comparisons under the collations it reproduces, and any without collations", () => {
    const modelled = [
      "utf8mb4_general_ci",
      "UTF8MB4_GENERAL_CI",
      "utf8mb4_general_nopad_ci",
      "utf8mb3_general_ci",
      "utf8_general_ci",
      "ascii_general_ci",
      "utf8mb4_bin",
      "utf8mb4_nopad_bin",
      "utf8mb4_0900_bin",
      "utf8mb3_bin",
      "ascii_nopad_bin",
      "latin1_swedish_ci",
      "latin1_swedish_nopad_ci",
      "latin1_general_ci",
      "latin1_bin",
      "latin1_nopad_bin",
    ];
    for (const collation of modelled) {
      expect(() =>
        parseFilter("name = 'x' OR name LIKE 'a%' OR name = other", columns(collation)),
      ).not.toThrow();
    }
    expect(parseFilter("name = 'x'", columns("utf8mb4_bin"))).toMatchObject({
      left: { kind: "column", name: "name", type: "string", collation: "utf8mb4_bin" },
    });
    expect(() => parseFilter("status = 'x' AND status = id", COLUMNS)).not.toThrow();
  });

  it("fails the precheck's filter check with the refusal, and its fix apart", () => {
    const orders = table("shop", "orders");
    orders.columns = orders.columns.map((c) =>
      c.name === "status" ? { ...c, collation: "utf8mb4_0900_ai_ci" } : c,
    );
    const catalog = catalogOf(orders, table("shop", "customers"));
    const tables = [{ name: "orders", where: "status <> 'void'" }];
    const result = evaluatePrecheck(
      spec({ objects: [{ database: "shop", tables }] }),
      facts({ source: sourceFacts({ catalog }) }),
    ).find((c) => c.id === "spec.filters");
    expect(result).toMatchObject({
      status: "fail",
      detail:
        `shop.orders: WHERE filter "status <> 'void'": column status uses collation utf8mb4_0900_ai_ci, ` +
        "whose text comparisons dts cannot reproduce exactly on binlog rows at column 1",
      fix: expect.stringMatching(/^compare status only with numbers or IS \[NOT\] NULL, .*\)$/),
    });
  });
});
