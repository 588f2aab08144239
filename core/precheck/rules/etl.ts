import { formatProblem } from "../../etl/errors.ts";
import { etlProblems } from "../../pipeline/etl.ts";
import { fail, pass, type Rule, skipped } from "./context.ts";

export const etlScript: Rule = {
  id: "etl.script",
  title: "ETL script parses and fits every selected table",
  run(ctx) {
    if (!ctx.spec.etl) return undefined;
    if (!ctx.facts.source.ok) return skipped("source unreachable");
    const problems = etlProblems(ctx.spec, ctx.facts.source.catalog);
    if (problems.length > 0)
      return fail(
        problems.map(formatProblem).join("; "),
        "fix etl.script at the line and column named (docs/etl.md lists every function), or add the column with etl.addColumns",
      );
    return pass("the script compiles for every selected table");
  },
};
