import { describe, expect, it } from "vitest";
import { chunkRowsFor } from "#core/fullload/chunk-size.ts";
import { rangeCondition } from "#core/model/key-range.ts";

const MiB = 1024 * 1024;

describe("rows per chunk, capped by bytes", () => {
  it("takes chunkRows for narrow rows and chunkBytes over the row length for wide ones", () => {
    expect(chunkRowsFor({ chunkRows: 100_000, chunkBytes: 64 * MiB }, 100)).toBe(100_000);
    // 64 MiB of 2 KB JSON rows: 32,768 rows.
    expect(chunkRowsFor({ chunkRows: 100_000, chunkBytes: 64 * MiB }, 2048)).toBe(32_768);
    // A 100 MB BLOB row still makes a chunk of its own.
    expect(chunkRowsFor({ chunkRows: 100_000, chunkBytes: 64 * MiB }, 100 * MiB)).toBe(1);
  });

  it("keeps chunkRows when the row length is unknown", () => {
    expect(chunkRowsFor({ chunkRows: 5000, chunkBytes: MiB }, 0)).toBe(5000);
    expect(chunkRowsFor({ chunkRows: 5000, chunkBytes: MiB }, Number.NaN)).toBe(5000);
  });
});

describe("chunk bounds on the leading column of a composite key", () => {
  it("bounds only the columns a bound names: a prefix covers its leading value whole", () => {
    expect(rangeCondition(["`a`", "`b`"], { lower: ["10"], upper: ["20"] })).toBe("`a` > 10 AND `a` <= 20");
    // A full-key lower bound (a counted boundary) up to a prefix upper bound.
    expect(rangeCondition(["`a`", "`b`"], { lower: ["7", "'x'"], upper: ["9"] })).toBe(
      "((`a` > 7) OR (`a` = 7 AND `b` > 'x')) AND `a` <= 9",
    );
  });
});
