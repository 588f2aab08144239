import { describe, expect, it } from "vitest";
import { literalExpression, tupleExpression } from "#core/fullload/tuple.ts";

const column = (dataType: string, nullable = true, charset?: string) => ({
  column: "`c`",
  dataType,
  nullable,
  charset,
});

describe("source-rendered row tuples", () => {
  it("renders numbers as the server prints them, FLOAT through its exact double, BIT as its integer", () => {
    expect(literalExpression(column("bigint"))).toBe("IFNULL(`c`, 'NULL')");
    expect(literalExpression(column("decimal", false))).toBe("`c`");
    expect(literalExpression(column("float"))).toBe("IFNULL(`c` + 0E0, 'NULL')");
    expect(literalExpression(column("bit", false))).toBe("CAST(`c` AS UNSIGNED)");
  });

  it("quotes text, converting other character sets to utf8mb4 first", () => {
    expect(literalExpression(column("varchar", true, "utf8mb4"))).toBe("QUOTE(`c`)");
    expect(literalExpression(column("text", true, "latin1"))).toBe("QUOTE(CONVERT(`c` USING utf8mb4))");
    expect(literalExpression(column("datetime"))).toBe("QUOTE(`c`)");
  });

  it("writes binary and spatial values as hex literals, and unknown types through their text form", () => {
    expect(literalExpression(column("blob"))).toBe("IF(`c` IS NULL, 'NULL', CONCAT('X''', HEX(`c`), ''''))");
    expect(literalExpression(column("geometry"))).toMatch(/HEX\(`c`\)/);
    expect(literalExpression(column("json"))).toBe("QUOTE(CAST(`c` AS CHAR CHARACTER SET utf8mb4))");
  });

  it("joins the columns into one parenthesized tuple", () => {
    expect(tupleExpression([column("int", false), column("varchar", true, "utf8mb4")])).toBe(
      "CONCAT('(', `c`, ',', QUOTE(`c`), ')')",
    );
  });
});
