import { describe, expect, it } from "vitest";
import { compileEtl, type EtlTable } from "#core/etl/index.ts";
import type { TableCopyPlan } from "#core/fullload/table-plan.ts";
import { etlVerifyScope } from "#core/verify/etl-scope.ts";

const PEOPLE: EtlTable = {
  database: "app",
  table: "people",
  columns: [
    { name: "id", dataType: "int" },
    { name: "name", dataType: "varchar" },
    { name: "phone", dataType: "varchar" },
    { name: "score", dataType: "float" },
  ],
  addedColumns: [{ name: "stamped", dataType: "datetime" }],
  key: ["id"],
};

/** The copy plan of app.people renamed to crm.persons, `name` renamed to `full_name`. */
const PLAN: TableCopyPlan = {
  sourceTable: "`app`.`people`",
  destinationTable: "`crm`.`persons`",
  sourceColumns: ["`id`", "`name`", "`phone`", "`score`"],
  sourceSelect: ["`id`", "`name`", "`phone`", "(`score` + 0E0)"],
  destinationColumns: ["`id`", "`full_name`", "`phone`", "`score`"],
  sourceKey: ["`id`"],
  destinationKey: ["`id`"],
  tupleSelect: "",
  lineSelect: "",
  integerLead: true,
  source: { database: "app", table: "people" },
  loadTarget: "",
  filterSql: undefined,
};

describe("what dts verify compares of a table an ETL script transforms", () => {
  it("without a script, the whole table", () => {
    expect(etlVerifyScope(PLAN, undefined)).toEqual({ plan: PLAN });
  });

  it("leaves out the columns the script writes, on both sides, and says so", () => {
    const scope = etlVerifyScope(PLAN, compileEtl("e_set(`phone`, str_mask(`phone`, 3, 6, '*'))", PEOPLE));
    expect(scope).toEqual({
      plan: {
        ...PLAN,
        sourceColumns: ["`id`", "`name`", "`score`"],
        sourceSelect: ["`id`", "`name`", "(`score` + 0E0)"],
        destinationColumns: ["`id`", "`full_name`", "`score`"],
      },
      note: "the ETL script writes `phone`: those columns were not compared",
    });
  });

  it("compares every source column when the script only sets added columns", () => {
    expect(etlVerifyScope(PLAN, compileEtl("e_set(`stamped`, __COMMIT_TIMESTAMP__)", PEOPLE))).toEqual({
      plan: PLAN,
    });
  });

  it("does not compare a table whose rows the script can drop, or whose key it writes", () => {
    expect(etlVerifyScope(PLAN, compileEtl("e_if(op_gt(`id`, 10), e_drop())", PEOPLE))).toEqual({
      skip: "not compared: the ETL script can drop rows (e_drop), so a dropped row cannot be told from a missing one",
    });
    expect(etlVerifyScope(PLAN, compileEtl("e_set(`id`, op_sum(`id`, 1))", PEOPLE))).toEqual({
      skip: "not compared: the ETL script writes the key column `id`",
    });
  });
});
