import { describe, expect, it } from "vitest";
import { EtlError, type EtlTable, formatProblem, parseEtl, validateEtl } from "#core/etl/index.ts";
import { FilterError, parseFilter } from "#core/sql/filter.ts";
import { cliOutcome, expectClearRefusal } from "../support/bad-input.ts";

/**
 * The bad-input corpus, WHERE filters and ETL scripts: each is refused with what is wrong and
 * where (the column of the offending token, the script's line and column), exit 2 through the CLI,
 * never a crash, a hang or a stack trace.
 */
const COLUMNS = [
  { name: "id", dataType: "int" },
  { name: "status", dataType: "varchar" },
  { name: "amount", dataType: "decimal" },
];

const short = (text: string) =>
  text.length > 70 ? `${text.slice(0, 50)}... (${text.length} characters)` : text;

type FilterCase = [filter: string, problem: RegExp];
const filters: FilterCase[] = [
  ["status = 'a' UNION SELECT password FROM mysql.user", /UNION|not allowed/],
  ["status = 'a' INTO OUTFILE '/tmp/x'", /INTO|not allowed/],
  ["status = 'a' COLLATE utf8mb4_bin", /COLLATE/],
  ["BINARY status = 'a'", /BINARY/],
  ["status LIKE 'a|%' ESCAPE ''", /ESCAPE/],
  ["status = (SELECT 1)", /SELECT|subquer|not allowed/],
  ["SLEEP(10) = 0", /SLEEP|function/],
  ["orders.status = 'a'", /qualified|\.|not allowed/],
  ["mysql.user.password = 'a'", /qualified|\.|not allowed/],
  ["nosuch = 1", /not a column of this table/],
  ["status = 'a'; DROP TABLE orders", /single condition/],
  ["status = 'a' -- comment", /comment|not allowed/],
  ["status = 'a' /* x */", /comment|not allowed/],
  ["status = @var", /variables/],
  ["status = ?", /placeholders/],
  ['status = "a"', /double-quoted/],
  ["status REGEXP 'a.*'", /REGEXP|not allowed/],
  ["status SOUNDS LIKE 'a'", /SOUNDS|not allowed/],
  ["id DIV 2 = 1", /DIV|not allowed/],
  ["id = 1 || id = 2", /OR/],
  ["id = 1 && id = 2", /AND/],
  ["!(id = 1)", /NOT/],
  ["status = _latin1'a'", /not allowed|introducer|_latin1/],
  ["status = X'41'", /not allowed|hex|X/],
  ["(id, amount) = (1, 2)", /not allowed|row|,/],
  ["status = 'a' 'b'", /not allowed|adjacent|string/],
  ["id = 1 AND", /end|expected/],
  ["status = 'unterminated", /unterminated|quote/],
  [`${"(".repeat(40)}id = 1${")".repeat(40)}`, /32|nest/],
  [Array.from({ length: 300 }, (_, i) => `id = ${i}`).join(" OR "), /256|conditions/],
  [Array.from({ length: 20_000 }, () => "id = 1").join(" AND "), /4096 characters/],
  ["id IS TRUE", /TRUE|not allowed/],
  ["id = 1 AND status MEMBER OF('[1]')", /MEMBER|not allowed/],
  ["1 = 1", /no column|column/],
];

describe("bad WHERE filters: refused with the offending token's position", () => {
  it.each(filters.map(([filter, problem]) => [short(filter), filter, problem] as const))(
    "%s",
    (_title, filter, problem) => {
      let error: unknown;
      try {
        parseFilter(filter, COLUMNS);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FilterError);
      expect((error as Error).message).toMatch(problem);
      expectClearRefusal(cliOutcome(error), { fix: /WHERE filter/ });
    },
  );
});

const TABLE: EtlTable = {
  database: "shop",
  table: "orders",
  columns: [
    { name: "id", dataType: "bigint" },
    { name: "name", dataType: "varchar" },
  ],
  key: ["id"],
};
const nested = (depth: number) => `${"op_add(".repeat(depth)}\`id\`${", 1)".repeat(depth)}`;

type ScriptCase = [script: string, problem: RegExp];
const scripts: ScriptCase[] = [
  [`e_set(\`id\`, ${nested(180)})`, /nest/],
  [`e_set(\`id\`, ${nested(10_000)})`, /nest|bytes/],
  [`e_set(\`name\`, '${"x".repeat(70_000)}')`, /KiB|size|bytes/],
  ["e_if(regex_match(`name`, '(a)\\\\1'), e_drop())", /backreference|not supported|RE2/i],
  ["e_if(regex_match(`name`, '(?=a)b'), e_drop())", /lookahead|lookaround|not supported/i],
  ["e_if(regex_match(`name`, '(a+)+$'), e_drop())", /.^/],
  ["e_if(regex_match(`name`, '['), e_drop())", /regular expression|missing|invalid/i],
  ["e_set(`nosuch`, 1)", /column/],
  ["str_uper(`name`)", /unknown function str_uper/],
  ["e_set(`id`, 'unterminated)", /string|unterminated|quote/i],
  ["e_set(`id`", /expected|end/i],
  ["e_drop(); DROP TABLE x", /unexpected|expected/i],
  ["e_set(`id`, `id` + ", /expected|end/i],
  [`\`${"x".repeat(70_000)}\``, /KiB|size|bytes/],
  ["e_set(`name`, str_replace(`name`, 'a', '$&'))", /.^/],
];

describe("bad ETL scripts: refused with line and column, never a crash or a hang", () => {
  it.each(scripts.map(([script, problem]) => [short(script), script, problem] as const))(
    "%s",
    (_title, script, problem) => {
      // A few of these are valid (linear-time regexes, literal '$&'): they must compile and run.
      if (problem.source === ".^") {
        expect(validateEtl(script, [TABLE])).toEqual([]);
        return;
      }
      const problems = validateEtl(script, [TABLE]);
      expect(problems.length, script.slice(0, 80)).toBeGreaterThan(0);
      const text = formatProblem(problems[0] as (typeof problems)[number]);
      expect(text).toMatch(/^line \d+, column \d+/);
      expect(text).toMatch(problem);
      let error: unknown;
      try {
        parseEtl(script);
      } catch (e) {
        error = e;
      }
      if (error !== undefined) {
        expect(error).toBeInstanceOf(EtlError);
        expectClearRefusal(cliOutcome(error), { fix: /line \d+, column \d+/ });
      }
    },
  );
});
