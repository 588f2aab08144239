import { describe, expect, it } from "vitest";
import { FilterError, filterColumns, parseFilter, renderFilter } from "#core/sql/filter.ts";

const COLUMNS = ["id", "status", "amount", "created_at", "order"];

function rejected(filter: string): FilterError {
  try {
    parseFilter(filter, COLUMNS);
  } catch (error) {
    expect(error).toBeInstanceOf(FilterError);
    return error as FilterError;
  }
  throw new Error(`accepted ${filter}`);
}

describe("WHERE filters", () => {
  it("renders the allowed constructs with bound string values", () => {
    const expr = parseFilter(
      "status <> 'void' AND (amount BETWEEN 10 AND 20.5 OR id IN (1, 2, 3)) AND NOT created_at IS NULL AND status LIKE 'p%'",
      COLUMNS,
    );
    expect(renderFilter(expr)).toEqual({
      sql: "((((`status` <> ?) AND ((`amount` BETWEEN 10 AND 20.5) OR (`id` IN (1, 2, 3)))) AND (NOT (`created_at` IS NULL))) AND (`status` LIKE ?))",
      params: ["void", "p%"],
    });
    expect([...filterColumns(expr)].sort()).toEqual(["amount", "created_at", "id", "status"]);
  });

  it("matches column names case-insensitively and quotes reserved words", () => {
    expect(renderFilter(parseFilter("`ORDER` = 'x' AND Status IS NOT NULL", COLUMNS)).sql).toBe(
      "((`order` = ?) AND (`status` IS NOT NULL))",
    );
  });

  it("keeps a string that looks like SQL as a bound value", () => {
    expect(renderFilter(parseFilter("status = 'x'' OR 1=1 -- '", COLUMNS)).params).toEqual(["x' OR 1=1 -- "]);
  });

  it("rejects functions with the position of the offending token", () => {
    const error = rejected("id > 0 AND sleep(5) = 0");
    expect(error.message).toBe(
      'WHERE filter "id > 0 AND sleep(5) = 0": function sleep() is not allowed at column 12',
    );
  });

  it("rejects subqueries, several statements and unknown columns", () => {
    expect(rejected("id IN (SELECT id FROM other)").message).toMatch(
      /subqueries are not allowed|not a column or a literal/,
    );
    expect(rejected("id = 1; DROP TABLE t").message).toMatch(/single condition \(no ';'\) at column 7/);
    expect(rejected("nope = 1").message).toMatch(/column nope is not a column of this table .* at column 1$/);
  });

  it("rejects text that does not parse, with the position", () => {
    expect(rejected("id =").message).toMatch(/does not parse as a SQL condition at column 5/);
  });

  it("rejects arithmetic and other expressions outside the allow-list", () => {
    expect(rejected("amount + 1 > 2").message).toMatch(/is not a column or a literal/);
  });
});
