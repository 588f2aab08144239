import { describe, expect, it } from "vitest";
import { collationNamed, compareText, generalWeight } from "#core/sql/collation.ts";
import { parseFilter } from "#core/sql/filter.ts";
import { matchesFilter } from "#core/sql/filter-eval.ts";
import { likeMatches } from "#core/sql/like.ts";

const matches = (filter: string, row: Record<string, unknown>) =>
  matchesFilter(parseFilter(filter, ["status", "amount", "name", "id", "other"]), row);
const TYPED = [
  { name: "amount", dataType: "decimal" },
  { name: "name", dataType: "varchar" },
  { name: "id", dataType: "bigint" },
  { name: "at", dataType: "datetime" },
  { name: "bin", dataType: "varbinary" },
];
const typed = (filter: string, row: Record<string, unknown>) =>
  matchesFilter(parseFilter(filter, TYPED), row);

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
    expect(matches("status <=> NULL", { status: null })).toBe(true);
    expect(matches("status <=> 'a'", { status: null })).toBe(false);
  });

  it("reads BETWEEN as two comparisons: a NULL bound still excludes a value outside the other", () => {
    expect(matches("NOT id BETWEEN NULL AND 5", { id: 6 })).toBe(true);
    expect(matches("NOT id BETWEEN NULL AND 5", { id: 4 })).toBe(false);
    // One comparison for the three operands: doubles here, so 'xyz' (0) is between 'z' (0) and 5.
    expect(matches("name BETWEEN 'z' AND 5", { name: "xyz" })).toBe(true);
    // IN compares pair by pair: 'xyz' is neither 'z' nor 0.5.
    expect(matches("name IN ('z', 0.5)", { name: "xyz" })).toBe(false);
  });

  it("pads with spaces (PAD SPACE collations) and folds case and accents as utf8mb4_general_ci", () => {
    expect(matches("status = 'a'", { status: "a  " })).toBe(true);
    expect(matches("status < 'a'", { status: "a\t" })).toBe(true);
    expect(matches("status = 'CAFE'", { status: "café" })).toBe(true);
    expect(matches("status = 's'", { status: "ß" })).toBe(true);
    expect(matches("status = '😀'", { status: "😁" })).toBe(true);
    expect(matches("status > 'a'", { status: "_" })).toBe(true);
    expect(matches("status LIKE 'a'", { status: "a " })).toBe(false);
  });

  it("converts strings to numbers as MySQL does", () => {
    expect(matches("status = 12", { status: " 12abc" })).toBe(true);
    expect(matches("status = 10", { status: "1e1" })).toBe(true);
    expect(matches("status = 0", { status: "abc" })).toBe(true);
    expect(matches("status = TRUE", { status: "1" })).toBe(true);
    expect(matches("id = '1.0'", { id: 1 })).toBe(true);
  });

  it("compares typed columns as their type: decimals exactly, dates as dates, binary as bytes", () => {
    expect(typed("amount = '10'", { amount: "10.00" })).toBe(true);
    expect(matches("amount = '10'", { amount: "10.00" })).toBe(false); // untyped: a string like any other
    expect(typed("amount = 0.1", { amount: "0.10" })).toBe(true);
    expect(typed("id = 9007199254740993", { id: "9007199254740992" })).toBe(false);
    expect(typed("id > 9007199254740992", { id: "9007199254740993" })).toBe(true);
    expect(typed("at = '2024-01-01'", { at: "2024-01-01 00:00:00" })).toBe(true);
    expect(typed("at <= '2024-01-01'", { at: "2024-01-01 00:00:00" })).toBe(true);
    expect(typed("at < '2024-01-01 00:00:00.5'", { at: "2024-01-01 00:00:00" })).toBe(true);
    expect(typed("bin = 'ab'", { bin: Buffer.from("AB") })).toBe(false);
    expect(typed("bin LIKE 'a%'", { bin: Buffer.from("ab") })).toBe(true);
  });

  it("matches LIKE patterns with % and _, escapes, and code points", () => {
    expect(matches("name LIKE 'Ad_%'", { name: "ada lovelace" })).toBe(true);
    expect(matches("name NOT LIKE '%x%'", { name: "abc" })).toBe(true);
    expect(matches("name LIKE 'a.c'", { name: "abc" })).toBe(false);
    expect(matches("name LIKE '100\\%'", { name: "100%" })).toBe(true);
    expect(matches("name LIKE '100\\%'", { name: "1000" })).toBe(false);
    expect(matches("name LIKE '100|%' ESCAPE '|'", { name: "100%" })).toBe(true);
    expect(matches("name LIKE '_'", { name: "😀" })).toBe(true);
    expect(matches("name LIKE other", { name: "abc", other: "A%" })).toBe(true);
  });
});

describe("likeMatches", () => {
  it("has MySQL's semantics", () => {
    expect(likeMatches("abc", "a%")).toBe(true);
    expect(likeMatches("abc", "%B%")).toBe(true);
    expect(likeMatches("abc", "%B%", { caseInsensitive: false })).toBe(false);
    expect(likeMatches("abc", "a_c")).toBe(true);
    expect(likeMatches("ac", "a_c")).toBe(false);
    expect(likeMatches("", "%")).toBe(true);
    expect(likeMatches("", "_")).toBe(false);
    expect(likeMatches("a😀c", "a_c")).toBe(true);
    expect(likeMatches("a_c", "a\\_c")).toBe(true);
    expect(likeMatches("abc", "a\\_c")).toBe(false);
    expect(likeMatches("a\\", "a\\")).toBe(true); // a trailing escape is a literal backslash
    expect(likeMatches("a", "a\\")).toBe(false);
    expect(likeMatches("a%", "a|%", { escape: "|" })).toBe(true);
    expect(likeMatches("a\\x", "a\\%", { escape: "|" })).toBe(true);
    expect(likeMatches("a%", "a\\%", { escape: "" })).toBe(false);
    expect(likeMatches("Émile", "emile")).toBe(true);
    expect(likeMatches("mississippi", "%iss%ppi")).toBe(true);
    expect(likeMatches("mississippi", "%iss%ppix")).toBe(false);
  });

  it("does not backtrack catastrophically, on patterns from specs or from rows", () => {
    const text = "a".repeat(10_000);
    expect(likeMatches(text, "%a%a%a%a%a%a%a%a%b")).toBe(false);
    expect(likeMatches(text, "%a%a%a%a%a%a%a%a%a")).toBe(true);
    expect(likeMatches(text, `${"%_".repeat(500)}b`)).toBe(false);
    expect(matches("name LIKE other", { name: text, other: "%a%a%a%a%a%a%a%a%a%a%a%a%b" })).toBe(false);
  });
});

describe("WHERE filters on text columns, by their collation", () => {
  const under = (collation: string) => (filter: string, row: Record<string, unknown>) =>
    matchesFilter(
      parseFilter(filter, [
        { name: "name", dataType: "varchar", collation },
        { name: "other", dataType: "varchar", collation },
        { name: "id", dataType: "int" },
      ]),
      row,
    );

  it("weighs utf8mb4_general_ci characters as the server does, not as Unicode case-folds them", () => {
    const general = under("utf8mb4_general_ci");
    expect(general("name = 'и'", { name: "й" })).toBe(false); // й is not и with a mark to drop
    expect(general("name = 'Й'", { name: "й" })).toBe(true);
    expect(general("name = 'ɐ'", { name: "Ɐ" })).toBe(false); // a case pair the server does not know
    expect(general("name = 'Σ'", { name: "ϲ" })).toBe(true); // lunate sigma
    expect(general("name = 'Ａ'", { name: "ａ" })).toBe(true);
    expect(general("name = 'é'", { name: "E" })).toBe(true);
    expect(generalWeight(0x1f600)).toBe(0xfffd);
  });

  it("compares _bin collations by code point, case-sensitively, with PAD SPACE", () => {
    const bin = under("utf8mb4_bin");
    expect(bin("name = 'a'", { name: "A" })).toBe(false);
    expect(bin("name = 'a'", { name: "a  " })).toBe(true);
    expect(bin("name < 'a'", { name: "a\t" })).toBe(true);
    expect(bin("name = 'e'", { name: "é" })).toBe(false);
    expect(bin("name > '\uFFFD'", { name: "😀" })).toBe(true); // code points, not UTF-16 units
    expect(bin("name IN ('A', 'b')", { name: "a" })).toBe(false);
    expect(bin("name BETWEEN 'A' AND 'Z'", { name: "a" })).toBe(false);
    expect(bin("name LIKE 'A%'", { name: "abc" })).toBe(false);
    expect(bin("name LIKE 'a%'", { name: "abc" })).toBe(true);
    expect(bin("'A' IN (name, 'a')", { name: "x" })).toBe(false); // the column's collation, list-wide
    expect(bin("name = other", { name: "a", other: "A" })).toBe(false);
  });

  it("does not pad under NO PAD collations: 'a' < 'a '", () => {
    for (const collation of ["utf8mb4_nopad_bin", "utf8mb4_general_nopad_ci", "utf8mb4_0900_bin"]) {
      const nopad = under(collation);
      expect([collation, nopad("name = 'a'", { name: "a " })]).toEqual([collation, false]);
      expect([collation, nopad("name > 'a'", { name: "a " })]).toEqual([collation, true]);
      expect([collation, nopad("name < 'a'", { name: "a\t" })]).toEqual([collation, false]);
    }
    expect(under("utf8mb4_general_nopad_ci")("name = 'A'", { name: "a" })).toBe(true);
  });

  it("weighs latin1_swedish_ci's Swedish letters as the server does", () => {
    const swedish = under("latin1_swedish_ci");
    expect(swedish("name > 'z'", { name: "å" })).toBe(true);
    expect(swedish("name = 'a'", { name: "å" })).toBe(false);
    expect(swedish("name = 'æ'", { name: "Ä" })).toBe(true);
    expect(swedish("name = 'y'", { name: "Ü" })).toBe(true);
    expect(swedish("name = 'o'", { name: "ö" })).toBe(false);
    expect(swedish("name = 'à'", { name: "A" })).toBe(true);
    expect(swedish("name = '\\\\'", { name: "ä" })).toBe(true); // Ä weighs as a backslash
    expect(swedish("name LIKE 'ä%'", { name: "Æble" })).toBe(true);
    expect(swedish("name = 's'", { name: "ß" })).toBe(false);
    expect(under("latin1_general_ci")("name = 'a'", { name: "ä" })).toBe(false);
    expect(under("latin1_general_ci")("name = 'Ä'", { name: "ä" })).toBe(true);
    expect(under("latin1_bin")("name < 'é'", { name: "€" })).toBe(true); // byte 0x80 < 0xE9
    expect(under("utf8mb4_bin")("name < 'é'", { name: "€" })).toBe(false); // U+20AC > U+00E9
  });

  it("models exactly the collations it names, and compares like the server", () => {
    expect(collationNamed("utf8mb4_0900_ai_ci")).toBeUndefined();
    expect(collationNamed("latin1_german2_ci")).toBeUndefined();
    expect(collationNamed("UTF8_BIN")).toMatchObject({ charset: "utf8mb3", padSpace: true });
    expect(collationNamed("utf8mb4_0900_bin")).toMatchObject({ charset: "utf8mb4", padSpace: false });
    expect(compareText("ab", "AB ")).toBe(0);
    const weight = collationNamed("latin1_swedish_ci")?.weight;
    expect(likeMatches("Åsa", "[sa", weight ? { weight } : {})).toBe(true);
  });
});
