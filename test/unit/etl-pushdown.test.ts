import { describe, expect, it } from "vitest";
import {
  type CompiledEtl,
  compileEtl,
  type EtlRowContext,
  type EtlTable,
  MAX_NESTING,
} from "#core/etl/index.ts";
import type { SnapshotSql } from "#core/etl/model.ts";

// The SQL the full load hands to the source (core/etl/pushdown.ts): user text reaches it only as
// hex literals and quoted identifiers, whatever the server's sql_mode, and its size stays bounded.

const TABLE: EtlTable = {
  database: "shop",
  table: "orders",
  columns: [
    { name: "id", dataType: "bigint", nullable: false },
    { name: "na`me", dataType: "varchar", charset: "utf8mb4" },
    { name: "s", dataType: "varchar", charset: "utf8mb4" },
  ],
  key: ["id"],
};
const INSERT: EtlRowContext = { operation: "insert", commitTimestamp: 0 };

function snapshot(etl: CompiledEtl): SnapshotSql | undefined {
  return etl.snapshotSql({
    commitTimestamp: 0,
    written: TABLE.columns.map((c) => ({ name: c.name, dataType: c.dataType })),
    untouchedField: (column) => `\`${column.replaceAll("`", "``")}\``,
    computedField: (sql) => sql,
    fieldOf: (_type, value) => String(value),
  });
}

/** The SQL with every hex literal and quoted identifier taken out: what could depend on sql_mode. */
const bare = (sql: string) => sql.replace(/X'(?:[0-9a-fA-F]{2})*'/g, "X").replace(/`(?:[^`]|``)*`/g, "C");

describe("SQL translation of a script", () => {
  const awkward = [
    `it's`,
    `say "hi"`,
    "back\\slash \\' \\\\",
    "$1 $& $$",
    "😀 é",
    "",
    "\0",
    "'; DROP TABLE t; --",
  ];

  it("writes string literals as utf8mb4 hex, never as quoted text", () => {
    for (const text of awkward) {
      const script = `e_set(\`s\`, op_add(\`na\`\`me\`, "${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"))`;
      const etl = compileEtl(script, TABLE);
      const sql = snapshot(etl);
      expect(sql, text).toBeDefined();
      const line = sql?.line ?? "";
      expect(line).toContain(`CONVERT(X'${Buffer.from(text, "utf8").toString("hex")}' USING utf8mb4)`);
      expect(line).toContain("`na``me`");
      expect(bare(line)).not.toMatch(/['"\\]/);
      // The JS path gives the same text.
      expect(etl.transform({ id: 1, "na`me": "v", s: null }, INSERT)?.s).toBe(`v${text}`);
    }
  });

  it("writes a string compared in a condition, and a mask, as hex too", () => {
    const etl = compileEtl(
      'e_if(op_gt(`id`, 5), e_set(`s`, str_mask(`na``me`, 1, 2, "\'\\\\"), `na``me`, op_add(`s`, __TB__)))',
      TABLE,
    );
    const sql = snapshot(etl);
    expect(sql).toBeDefined();
    expect(bare(`${sql?.line} ${sql?.drop ?? ""} ${sql?.guard ?? ""}`)).not.toMatch(/['"\\]/);
  });

  it("leaves a script whose SQL would double at each step to the JS path, at once", () => {
    const doubling = (pairs: number) =>
      `e_set(\`s\`, \`na\`\`me\`${", `s`, op_add(`s`, `s`)".repeat(pairs)})`;
    expect(snapshot(compileEtl(doubling(3), TABLE))?.line).toContain("CONCAT(CONCAT(CONCAT(`na``me`");
    expect(snapshot(compileEtl(doubling(60), TABLE))).toBeUndefined();
    const masks = `e_set(\`s\`, \`na\`\`me\`${", `s`, str_mask(`s`, 0, 1, '*')".repeat(60)})`;
    expect(snapshot(compileEtl(masks, TABLE))).toBeUndefined();
    const nested = `e_set(\`s\`, ${"str_upper(".repeat(MAX_NESTING - 1)}\`na\`\`me\`${")".repeat(MAX_NESTING - 1)})`;
    const sql = snapshot(compileEtl(nested, TABLE));
    expect((sql?.line.length ?? 0) + (sql?.guard?.length ?? 0)).toBeLessThanOrEqual(60_000);
  });

  it("leaves masks at positions beyond the INT range to the JS path", () => {
    const etl = compileEtl("e_set(`s`, str_mask(`na``me`, 1, 100000000000000000000, '*'))", TABLE);
    expect(snapshot(etl)).toBeUndefined();
    expect(etl.transform({ id: 1, "na`me": "abcd", s: null }, INSERT)?.s).toBe("a***");
    expect(snapshot(compileEtl("e_set(`s`, str_mask(`na``me`, 1, 3, '*'))", TABLE))).toBeDefined();
  });
});
