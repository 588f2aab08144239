import { describe, expect, it } from "vitest";
import { rangeCondition } from "#core/model/key-range.ts";

describe("chunk key ranges", () => {
  it("bounds a single-column key: lower exclusive, upper inclusive", () => {
    expect(rangeCondition(["`id`"], { lower: ["10"], upper: ["20"] })).toBe("`id` > 10 AND `id` <= 20");
    expect(rangeCondition(["`id`"], { lower: null, upper: ["20"] })).toBe("`id` <= 20");
    expect(rangeCondition(["`id`"], { lower: ["20"], upper: null })).toBe("`id` > 20");
    expect(rangeCondition(["`id`"], { lower: null, upper: null })).toBe("TRUE");
  });

  it("expands a composite key into comparisons every range optimizer uses", () => {
    expect(rangeCondition(["`a`", "`b`"], { lower: ["1", "'x'"], upper: null })).toBe(
      "((`a` > 1) OR (`a` = 1 AND `b` > 'x'))",
    );
    expect(rangeCondition(["`a`", "`b`", "`c`"], { lower: null, upper: ["1", "2", "3"] })).toBe(
      "((`a` < 1) OR (`a` = 1 AND `b` < 2) OR (`a` = 1 AND `b` = 2 AND `c` <= 3))",
    );
  });
});
