import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FatalError } from "#core/errors.ts";
import {
  type CompiledEtl,
  compileEtl,
  compileEtlForTables,
  dataTypeOf,
  ETL_FUNCTIONS,
  ETL_VARIABLES,
  EtlError,
  type EtlRowContext,
  EtlRuntimeError,
  type EtlTable,
  parseEtl,
  validateEtl,
} from "#core/etl/index.ts";
import type { Row } from "#core/model/row.ts";
import { tableKey } from "#core/spec/table-name.ts";
import { compileError as compileErrorFor } from "../support/etl-errors.ts";

const ORDERS: EtlTable = {
  database: "shop",
  table: "orders",
  columns: [
    { name: "id", dataType: "bigint" },
    { name: "status", dataType: "varchar" },
    { name: "amount", dataType: "decimal" },
    { name: "phone", dataType: "char" },
    { name: "created", dataType: "datetime" },
    { name: "doc", dataType: "json" },
    { name: "total", dataType: "decimal", generated: true },
  ],
  addedColumns: [
    { name: "dts_sync_time", dataType: "datetime" },
    { name: "operation_type", dataType: "varchar" },
    { name: "doc_copy", dataType: "json" },
    { name: "flag", dataType: "tinyint" },
  ],
  key: ["id"],
};

const CUSTOMERS: EtlTable = {
  database: "shop",
  table: "customers",
  columns: [
    { name: "id", dataType: "int" },
    { name: "name", dataType: "varchar" },
  ],
};

const INSERT: EtlRowContext = { operation: "insert", commitTimestamp: Date.UTC(2024, 4, 6, 7, 8, 9) };
const UPDATE: EtlRowContext = { operation: "update", commitTimestamp: Date.UTC(2024, 4, 6, 7, 8, 9) };
const DELETE: EtlRowContext = { operation: "delete", commitTimestamp: Date.UTC(2024, 4, 6, 7, 8, 9) };

const compileError = (script: string, table: EtlTable = ORDERS) => compileErrorFor(script, table);

describe("the product documentation's examples", () => {
  it("drops rows with id > 10000", () => {
    const etl = compileEtl("script:e_if(op_gt(`id`, 10000), e_drop())", ORDERS);
    expect(etl.transform({ id: 10001 }, INSERT)).toBeNull();
    const kept = { id: 10000, status: "new" };
    expect(etl.transform(kept, INSERT)).toBe(kept);
    expect(etl.canDrop).toBe(true);
    expect(etl.writes).toEqual([]);
  });

  it("masks a phone number", () => {
    const etl = compileEtl("e_set(`phone`, str_mask(`phone`, 7, 10, '#'))", ORDERS);
    expect(etl.transform({ id: 1, phone: "13900001234" }, INSERT)).toEqual({ id: 1, phone: "1390000####" });
    expect(etl.transform({ id: 2, phone: null }, INSERT)).toEqual({ id: 2, phone: null });
  });

  it("stamps the migration time and the commit time", () => {
    const now = Date.UTC(2024, 4, 6, 7, 8, 10, 500);
    expect(
      compileEtl("e_set(`dts_sync_time`, dt_now())", ORDERS, { now: () => now }).transform({ id: 1 }, INSERT),
    ).toEqual({ id: 1, dts_sync_time: "2024-05-06 07:08:10" });
    expect(
      compileEtl("e_set(`dts_sync_time`, __COMMIT_TIMESTAMP__)", ORDERS).transform({ id: 1 }, UPDATE),
    ).toEqual({
      id: 1,
      dts_sync_time: "2024-05-06 07:08:09",
    });
  });

  it("writes audit columns from __OPERATION__ and __COMMIT_TIMESTAMP__", () => {
    const etl = compileEtl(
      "e_compose(e_set(`operation_type`, __OPERATION__), e_set(`dts_sync_time`, __COMMIT_TIMESTAMP__))",
      ORDERS,
    );
    for (const [context, type] of [
      [INSERT, "INSERT"],
      [UPDATE, "UPDATE"],
      [DELETE, "DELETE"],
    ] as const)
      expect(etl.transform({ id: 7 }, context)).toEqual({
        id: 7,
        operation_type: type,
        dts_sync_time: "2024-05-06 07:08:09",
      });
    expect(etl.writes).toEqual(["operation_type", "dts_sync_time"]);
    expect(etl.addedColumns).toEqual(["operation_type", "dts_sync_time"]);
  });

  it("filters deletes of one table with __OPERATION__ and __OP_DELETE__", () => {
    const script = "e_if(op_and(op_eq(__TB__, 'orders'), op_eq(__OPERATION__, __OP_DELETE__)), e_drop())";
    const orders = compileEtl(script, ORDERS);
    expect(orders.transform({ id: 1 }, DELETE)).toBeNull();
    expect(orders.transform({ id: 1 }, UPDATE)).toEqual({ id: 1 });
    expect(compileEtl(script, CUSTOMERS).passThrough).toBe(true);
  });
});

describe("event functions", () => {
  it("e_if tries every pair in turn, on the row the earlier operations left", () => {
    const etl = compileEtl(
      'e_if(op_eq(`status`, "new"), e_set(`status`, "seen"), op_eq(`status`, "seen"), e_set(`flag`, 1), op_gt(`id`, 5), e_drop())',
      ORDERS,
    );
    expect(etl.transform({ id: 1, status: "new" }, INSERT)).toEqual({ id: 1, status: "seen", flag: 1 });
    expect(etl.transform({ id: 1, status: "old" }, INSERT)).toEqual({ id: 1, status: "old", flag: null });
    expect(etl.transform({ id: 6, status: "new" }, INSERT)).toBeNull();
  });

  it("e_if treats a NULL condition as false", () => {
    const etl = compileEtl('e_if(op_eq(`status`, "x"), e_drop())', ORDERS);
    expect(etl.transform({ id: 1, status: null }, INSERT)).toEqual({ id: 1, status: null });
  });

  it("e_if_else runs one of two operations", () => {
    const etl = compileEtl(
      'e_if_else(op_eq(__OPERATION__, __OP_DELETE__), e_set(`operation_type`, "D"), e_set(`operation_type`, "U"))',
      ORDERS,
    );
    expect(etl.transform({ id: 1 }, DELETE)).toEqual({ id: 1, operation_type: "D" });
    expect(etl.transform({ id: 1 }, INSERT)).toEqual({ id: 1, operation_type: "U" });
    const nullCondition = compileEtl('e_if_else(`amount` > 1, e_drop(), e_set(`status`, "low"))', ORDERS);
    expect(nullCondition.transform({ id: 1, amount: null }, INSERT)).toEqual({
      id: 1,
      amount: null,
      status: "low",
    });
  });

  it("e_compose runs operations in order and stops after a drop", () => {
    const etl = compileEtl(
      'e_compose(e_set(`status`, str_upper(`status`)), e_if(op_eq(`status`, "VOID"), e_drop()), e_set(`flag`, cast_string_to_long(`phone`)))',
      ORDERS,
    );
    expect(etl.transform({ id: 1, status: "void", phone: "not a number" }, INSERT)).toBeNull();
    expect(etl.transform({ id: 1, status: "ok", phone: "3" }, INSERT)).toEqual({
      id: 1,
      status: "OK",
      phone: "3",
      flag: 3,
    });
  });

  it("e_set sets several columns in turn; later values see earlier ones", () => {
    const etl = compileEtl(
      'e_set(`status`, "a", `operation_type`, op_add(`status`, "b"), `amount`, `amount` * 2)',
      ORDERS,
    );
    expect(etl.transform({ id: 1, status: "x", amount: "1.25" }, INSERT)).toEqual({
      id: 1,
      status: "a",
      amount: "2.50",
      operation_type: "ab",
    });
  });

  it("never modifies the row it was given", () => {
    const row: Row = { id: 1, status: "x" };
    const out = compileEtl('e_set(`status`, "y")', ORDERS).transform(row, INSERT);
    expect(row).toEqual({ id: 1, status: "x" });
    expect(out).toEqual({ id: 1, status: "y" });
  });

  it("a disposable row (a snapshot row) gives the same result, written in place", () => {
    const script =
      "e_compose(e_set(`status`, str_upper(`status`)), e_if(op_gt(`id`, 5), e_set(`flag`, 1)), e_set(`amount`, op_mul(`amount`, 2)))";
    const etl = compileEtl(script, ORDERS);
    const row: Row = { id: 1, status: "x", amount: "1.25" };
    const kept = etl.transform({ ...row }, INSERT);
    const disposable = { ...row };
    const out = etl.transform(disposable, { ...INSERT, rowIsDisposable: true });
    expect(out).toEqual(kept);
    // flag is the only added column the script can set: a branch that did not set it gives NULL.
    expect(out).toEqual({ id: 1, status: "X", amount: "2.50", flag: null });
    expect(out).toBe(disposable);
  });
});

describe("checking the script against a table", () => {
  it("reports an unknown column with its position and the table's columns", () => {
    const error = compileError("e_if(op_gt(`idd`, 1), e_drop())");
    expect([error.line, error.column, error.problems[0]?.table]).toEqual([1, 12, "shop.orders"]);
    expect(error.message).toBe(
      "line 1, column 12, table shop.orders: unknown column `idd` (did you mean `id`?): expected a column of the table or of etl.addColumns (shop.orders has `id`, `status`, `amount`, `phone`, `created`, `doc`, `total`, `dts_sync_time`, `operation_type`, `doc_copy`, `flag`)",
    );
  });

  it("column names are case-sensitive", () => {
    const error = compileError("e_set(`ID`, 1)", CUSTOMERS);
    expect([error.column, error.problems[0]?.message]).toEqual([
      7,
      "unknown column `ID` (did you mean `id`?): e_set writes a column of the table or one listed in etl.addColumns for it (shop.customers has `id`, `name`)",
    ]);
  });

  it("e_set writes source columns and etl.addColumns only, and never generated columns", () => {
    expect(compileError("e_set(`new_col`, dt_now())").problems[0]?.message).toMatch(
      /^unknown column `new_col`: e_set writes a column of the table or one listed in etl.addColumns for it/,
    );
    expect(compileError("e_set(`total`, 1)").problems[0]?.message).toBe(
      "e_set: `total` is a generated column: the destination computes it",
    );
    expect(compileError('e_set("status", 1)').problems[0]?.message).toBe(
      'e_set: argument 1 must be the `column` to set, in backticks, such as e_set(`status`, "done")',
    );
  });

  it("e_set checks the value fits the column's type", () => {
    const error = compileError('e_set(`amount`, "12.5")');
    expect([error.column, error.problems[0]?.message]).toEqual([
      17,
      "e_set: `amount` is a decimal column: expected a number (convert text with cast_string_to_long), got a string",
    ]);
    expect(compileError("e_set(`created`, 5)").problems[0]?.message).toBe(
      "e_set: `created` is a datetime column: expected a datetime, or a string such as '2021-01-01 10:10:01', got a long (integer)",
    );
    expect(compileError("e_set(`doc_copy`, `id`)").problems[0]?.message).toBe(
      "e_set: `doc_copy` is a json column: expected a json value (a column of that type) or a string, got a long (integer)",
    );
    expect(compileError("e_set(`status`, `doc`)").problems[0]?.message).toContain("got a json column value");
  });

  it("writes values the way the destination column holds them", () => {
    const etl = compileEtl(
      "e_set(`status`, `id` * 2, `phone`, `amount` > 1, `operation_type`, `created`, `flag`, `amount` > 1, `doc_copy`, `doc`)",
      ORDERS,
    );
    expect(
      etl.transform(
        { id: "9007199254740993", amount: "1.5", created: "2024-01-02 03:04:05.25", doc: { a: 1 } },
        INSERT,
      ),
    ).toEqual({
      id: "9007199254740993",
      amount: "1.5",
      created: "2024-01-02 03:04:05.25",
      doc: { a: 1 },
      status: "18014398509481986",
      phone: "true",
      operation_type: "2024-01-02 03:04:05.25",
      flag: 1,
      doc_copy: { a: 1 },
    });
  });

  it("fails a row when a double that is not finite would be written", () => {
    const table: EtlTable = { ...ORDERS, addedColumns: [{ name: "ratio", dataType: "double" }] };
    const etl = compileEtl("e_set(`ratio`, `amount` * 1e308)", table);
    expect(() => etl.transform({ id: 1, amount: "10" }, INSERT)).toThrow(
      "line 1, column 7: e_set: cannot write Infinity into a numeric column (row of shop.orders, key id=1)",
    );
  });

  it("fails a row whose column does not hold its type", () => {
    const etl = compileEtl("e_if(op_gt(`amount`, 1), e_drop())", ORDERS);
    expect(() => etl.transform({ id: 4, amount: "lots" }, INSERT)).toThrow(
      'line 1, column 12: `amount`: holds "lots", not a decimal number (row of shop.orders, key id=4)',
    );
  });
});

describe("branches a table can never take", () => {
  const script =
    "e_if(op_eq(__TB__, 'orders'), e_set(`dts_sync_time`, __COMMIT_TIMESTAMP__), op_eq(__TB__, 'customers'), e_set(`name`, str_upper(`name`)))";

  it("are neither compiled nor checked: __DB__ and __TB__ are constants per table", () => {
    const orders = compileEtl(script, ORDERS);
    const customers = compileEtl(script, CUSTOMERS);
    expect(orders.writes).toEqual(["dts_sync_time"]);
    expect(customers.writes).toEqual(["name"]);
    expect(customers.addedColumns).toEqual([]);
    expect(orders.transform({ id: 1, status: "a" }, INSERT)).toEqual({
      id: 1,
      status: "a",
      dts_sync_time: "2024-05-06 07:08:09",
    });
    expect(customers.transform({ id: 1, name: "ada" }, INSERT)).toEqual({ id: 1, name: "ADA" });
  });

  it("are recognized in op_and / op_or when the table test comes first, in e_if_else and in (cond ? a : b)", () => {
    const guarded = compileEtl(
      "e_if(op_and(op_eq(__TB__, 'orders'), op_gt(`amount`, 100)), e_drop())",
      CUSTOMERS,
    );
    expect(guarded.passThrough).toBe(true);
    expect(guarded.canDrop).toBe(false);
    const row = { id: 1, name: "x" };
    expect(guarded.transform(row, INSERT)).toBe(row);
    expect(
      compileEtl("e_if_else(op_eq(__DB__, 'shop'), e_set(`name`, 'n'), e_set(`nope`, 1))", CUSTOMERS).writes,
    ).toEqual(["name"]);
    expect(
      compileEtl("e_set(`name`, op_eq(__TB__, 'orders') ? `status` : `name`)", CUSTOMERS).transform(
        row,
        INSERT,
      ),
    ).toEqual(row);
    expect(
      compileEtl("e_if(op_or(op_eq(__TB__, 'customers'), `nope` > 1), e_drop())", CUSTOMERS).canDrop,
    ).toBe(true);
  });

  it("other references to missing columns are errors", () => {
    expect(
      compileError("e_if(op_and(op_gt(`amount`, 100), op_eq(__TB__, 'orders')), e_drop())", CUSTOMERS).column,
    ).toBe(19);
  });
});

describe("several tables", () => {
  it("compileEtlForTables compiles the script for each table, keyed by its names", () => {
    const compiled = compileEtlForTables("e_set(`id`, `id` + 1)", [ORDERS, CUSTOMERS]);
    expect([...compiled.keys()]).toEqual([tableKey("shop", "orders"), tableKey("shop", "customers")]);
    expect(
      (compiled.get(tableKey("shop", "customers")) as CompiledEtl).transform({ id: 1, name: "a" }, INSERT),
    ).toEqual({
      id: 2,
      name: "a",
    });
  });

  it("reports the problems of every table in one error", () => {
    let error: unknown;
    try {
      compileEtlForTables("e_compose(e_set(`status`, 'x'), e_set(`name`, 'y'))", [ORDERS, CUSTOMERS]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EtlError);
    expect((error as EtlError).details).toEqual([
      "line 1, column 39, table shop.orders: unknown column `name`: e_set writes a column of the table or one listed in etl.addColumns for it (shop.orders has `id`, `status`, `amount`, `phone`, `created`, `doc`, `total`, `dts_sync_time`, `operation_type`, `doc_copy`, `flag`)",
      "line 1, column 17, table shop.customers: unknown column `status`: e_set writes a column of the table or one listed in etl.addColumns for it (shop.customers has `id`, `name`)",
    ]);
  });

  it("validateEtl lists problems without throwing, once for a problem every table has", () => {
    expect(validateEtl("e_if(op_gt(`id`, 10000), e_drop())", [ORDERS, CUSTOMERS])).toEqual([]);
    expect(validateEtl("e_set(`id`, cast_string_to_long('x'))", [ORDERS, CUSTOMERS])).toEqual([
      { line: 1, column: 13, message: 'cast_string_to_long: "x" is not an integer' },
    ]);
    expect(validateEtl("e_set(`id`, `nope`)", [ORDERS, CUSTOMERS]).map((p) => p.table)).toEqual([
      "shop.orders",
      "shop.customers",
    ]);
    expect(validateEtl("e_drop(", [ORDERS])).toEqual([
      { line: 1, column: 8, message: "expected an argument or ')' but found the end of the script" },
    ]);
  });

  it("compiles a parsed program without parsing it again", () => {
    const program = parseEtl("e_set(`id`, 0)");
    expect(compileEtl(program, CUSTOMERS).transform({ id: 5 }, INSERT)).toEqual({ id: 0 });
    expect(compileEtlForTables(program, [ORDERS]).size).toBe(1);
  });
});

describe("the column set of a table", () => {
  it("every output row carries the added columns the script can set, NULL when its path did not", () => {
    const etl = compileEtl(
      'e_if(op_eq(__OPERATION__, __OP_DELETE__), e_set(`operation_type`, "D"), op_gt(`id`, 1), e_set(`dts_sync_time`, __COMMIT_TIMESTAMP__))',
      ORDERS,
    );
    expect(etl.addedColumns).toEqual(["operation_type", "dts_sync_time"]);
    expect(etl.transform({ id: 1 }, DELETE)).toEqual({ id: 1, operation_type: "D", dts_sync_time: null });
    expect(etl.transform({ id: 2 }, INSERT)).toEqual({
      id: 2,
      operation_type: null,
      dts_sync_time: "2024-05-06 07:08:09",
    });
    expect(etl.transform({ id: 1 }, INSERT)).toEqual({ id: 1, operation_type: null, dts_sync_time: null });
  });

  it("a source column a path does not set keeps its value", () => {
    const etl = compileEtl('e_if(op_gt(`id`, 1), e_set(`status`, "big"))', ORDERS);
    expect(etl.writes).toEqual(["status"]);
    expect(etl.addedColumns).toEqual([]);
    expect(etl.transform({ id: 1, status: "s" }, INSERT)).toEqual({ id: 1, status: "s" });
  });
});

describe("EtlRuntimeError", () => {
  it("is fatal and names the function, position, table and key of the failing row", () => {
    const etl = compileEtl("e_compose(\n  e_set(`id`, cast_string_to_long(`status`))\n)", ORDERS);
    let error: unknown;
    try {
      etl.transform({ id: 42, status: "abc" }, INSERT);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EtlRuntimeError);
    expect(error).toBeInstanceOf(FatalError);
    const e = error as EtlRuntimeError;
    expect([e.functionName, e.line, e.column, e.database, e.table, e.key, e.reason]).toEqual([
      "cast_string_to_long",
      2,
      15,
      "shop",
      "orders",
      { id: 42 },
      '"abc" is not an integer',
    ]);
    expect(e.message).toBe(
      'line 2, column 15: cast_string_to_long: "abc" is not an integer (row of shop.orders, key id=42)',
    );
  });

  it("names the table only when no key columns were given", () => {
    const etl = compileEtl("e_set(`id`, cast_string_to_long(`name`))", CUSTOMERS);
    expect(() => etl.transform({ id: 1, name: "x" }, INSERT)).toThrow(
      'line 1, column 13: cast_string_to_long: "x" is not an integer (row of shop.customers)',
    );
  });
});

describe("compiled once, cheap per row", () => {
  it("applies a five-function script to many rows with the same closures", () => {
    const etl = compileEtl(
      "e_compose(e_if(op_gt(`id`, 9000), e_drop()), e_set(`phone`, str_mask(`phone`, 3, 6, '*'), `status`, str_upper(`status`), `dts_sync_time`, __COMMIT_TIMESTAMP__))",
      ORDERS,
    );
    let kept = 0;
    for (let id = 1; id <= 10_000; id++) {
      const out = etl.transform({ id, phone: `138${String(id).padStart(8, "0")}`, status: "paid" }, INSERT);
      if (out === null) continue;
      kept++;
      if (id === 1234)
        expect(out).toEqual({
          id: 1234,
          phone: "138****1234",
          status: "PAID",
          dts_sync_time: "2024-05-06 07:08:09",
        });
    }
    expect(kept).toBe(9000);
  });
});

describe("dataTypeOf", () => {
  it("reads the DATA_TYPE of an etl.addColumns type", () => {
    expect(dataTypeOf("VARCHAR(64)")).toBe("varchar");
    expect(dataTypeOf("int unsigned")).toBe("int");
    expect(dataTypeOf("DATETIME(3)")).toBe("datetime");
    expect(dataTypeOf("BOOLEAN")).toBe("tinyint");
    expect(dataTypeOf("character varying(10)")).toBe("varchar");
  });
});

describe("docs/etl.md", () => {
  const docs = readFileSync(new URL("../../docs/etl.md", import.meta.url), "utf8");
  const section = docs.slice(
    docs.indexOf("## Examples from the product documentation"),
    docs.indexOf("## Syntax"),
  );
  const scripts = [...section.matchAll(/```text\n([\s\S]*?)```/g)].flatMap((m) =>
    (m[1] ?? "").trim().split("\n"),
  );
  const table = (name: string): EtlTable => ({
    database: "shop",
    table: name,
    columns: ["id", "phone", "score", "price"].map((c) => ({
      name: c,
      dataType: c === "phone" ? "varchar" : "int",
    })),
    addedColumns: [
      { name: "dts_sync_time", dataType: "datetime" },
      { name: "operation_type", dataType: "varchar" },
      { name: "updated", dataType: "datetime" },
      { name: "grade", dataType: "char" },
      { name: "price_with_tax", dataType: "decimal" },
    ],
  });

  it("documents every function and variable", () => {
    for (const name of ETL_FUNCTIONS.keys()) expect(docs, name).toContain(`| \`${name}(`);
    for (const name of ETL_VARIABLES) expect(docs, name).toContain(`\`${name}\``);
  });

  it("has examples that compile and run", () => {
    expect(scripts.length).toBeGreaterThanOrEqual(8);
    for (const script of scripts) {
      const compiled = compileEtlForTables(script, [table("orders"), table("user")]);
      for (const etl of compiled.values())
        expect(() =>
          etl.transform({ id: 1, phone: "13900001234", score: 61, price: 10 }, INSERT),
        ).not.toThrow();
    }
  });
});
