import { describe, expect, it } from "vitest";
import { parseFilter } from "#core/sql/filter.ts";
import { matchesFilter } from "#core/sql/filter-eval.ts";

const matches = (filter: string, row: Record<string, unknown>) =>
  matchesFilter(parseFilter(filter, ["status", "amount", "name", "id"]), row);

describe("WHERE filters on binlog rows (MySQL semantics)", () => {
  it("compares strings case-insensitively and numbers numerically", () => {
    expect(matches("status <> 'void'", { status: "VOID" })).toBe(false);
    expect(matches("amount >= 10", { amount: "9.99" })).toBe(false);
    expect(matches("amount >= 10", { amount: "10.00" })).toBe(true);
    expect(matches("id IN (1, 2, 3)", { id: 2 })).toBe(true);
    expect(matches("id NOT IN (1, 2, 3)", { id: 4 })).toBe(true);
    expect(matches("amount BETWEEN 1 AND 5", { amount: 5 })).toBe(true);
  });

  it("treats NULL as unknown: the row does not match, even under NOT", () => {
    expect(matches("status <> 'void'", { status: null })).toBe(false);
    expect(matches("NOT status = 'void'", { status: null })).toBe(false);
    expect(matches("status IS NULL", { status: null })).toBe(true);
    expect(matches("status = 'a' OR id = 1", { status: null, id: 1 })).toBe(true);
    expect(matches("id NOT IN (1, NULL)", { id: 2 })).toBe(false);
  });

  it("matches LIKE patterns with % and _", () => {
    expect(matches("name LIKE 'Ad_%'", { name: "ada lovelace" })).toBe(true);
    expect(matches("name NOT LIKE '%x%'", { name: "abc" })).toBe(true);
    expect(matches("name LIKE 'a.c'", { name: "abc" })).toBe(false);
  });
});
