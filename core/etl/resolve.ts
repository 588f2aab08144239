import { type Call, type Expr, startOf } from "./ast.ts";
import type { EtlProblem, SourcePos } from "./errors.ts";
import { BUILTINS, UNSUPPORTED, VARIABLES } from "./functions/index.ts";
import type { Builtin } from "./functions/types.ts";
import { didYouMean } from "./suggest.ts";

const EVENT_FUNCTIONS = "an event function (e_set, e_drop, e_if, e_if_else or e_compose)";

function plural(n: number): string {
  return `${n} argument${n === 1 ? "" : "s"}`;
}

function arity(b: Builtin): string {
  if (b.min === b.max) return plural(b.min);
  if (b.max === Number.POSITIVE_INFINITY) return `at least ${plural(b.min)}`;
  return `${b.min} to ${b.max} arguments`;
}

function what(expr: Expr): string {
  switch (expr.kind) {
    case "call":
      return expr.operator ? `the operator ${expr.operator}` : `${expr.name}(...), a value`;
    case "column":
      return `the column \`${expr.name}\``;
    case "name":
      return expr.name;
    case "ternary":
      return "a conditional (cond ? a : b)";
    case "string":
      return "a string";
    case "number":
      return `the number ${expr.text}`;
    case "bool":
      return String(expr.value);
  }
}

/**
 * Checks a parsed script for everything that holds whatever the table: names, arity, named and
 * literal arguments, events where events belong. Returns every problem found.
 */
export function resolve(root: Expr): EtlProblem[] {
  const problems: EtlProblem[] = [];
  const report = (at: SourcePos, message: string) =>
    problems.push({ line: at.line, column: at.column, message });

  const visit = (expr: Expr, event: boolean): void => {
    if (expr.kind !== "call") {
      if (event) report(startOf(expr), `expected ${EVENT_FUNCTIONS} but found ${what(expr)}`);
      if (expr.kind === "ternary") {
        visit(expr.cond, false);
        visit(expr.whenTrue, false);
        visit(expr.whenFalse, false);
      } else if (expr.kind === "name") checkName(expr.name, expr.pos);
      else if (expr.kind === "column" && expr.name === "")
        report(expr.pos, "empty column name: write `name`");
      return;
    }
    const builtin = BUILTINS.get(expr.name);
    if (!builtin) {
      report(expr.pos, `unknown function ${expr.name}${didYouMean(expr.name, BUILTINS.keys())}`);
      return;
    }
    if (event && builtin.kind === "value")
      report(startOf(expr), `expected ${EVENT_FUNCTIONS} but found ${what(expr)}`);
    if (!event && builtin.kind === "event")
      report(
        expr.pos,
        `${expr.name} is an event function: it can only be the whole script or an operation of e_if, e_if_else or e_compose, not a value`,
      );
    checkCall(expr, builtin);
  };

  const checkName = (name: string, at: SourcePos): void => {
    if ((VARIABLES as readonly string[]).includes(name)) return;
    const unsupported = UNSUPPORTED.get(name);
    if (unsupported) {
      report(at, `${name} is not supported: ${unsupported}`);
      return;
    }
    if (BUILTINS.has(name)) {
      report(at, `${name} is a function: call it as ${name}(...)`);
      return;
    }
    const hint = didYouMean(name, VARIABLES);
    report(
      at,
      `unknown name ${name}${hint}: write a column in backticks (\`${name}\`) or a variable such as __TB__ or __OPERATION__`,
    );
  };

  const checkCall = (call: Call, builtin: Builtin): void => {
    const positional = call.args.filter((a) => a.name === undefined);
    let seenNamed = false;
    const names = new Set<string>();
    for (const arg of call.args) {
      if (arg.name === undefined) {
        if (seenNamed)
          report(
            startOf(arg.value),
            `${call.name}: a positional argument cannot follow a name=value argument`,
          );
        continue;
      }
      seenNamed = true;
      const at = arg.namePos ?? call.pos;
      if (!builtin.named?.includes(arg.name))
        report(
          at,
          builtin.named
            ? `${call.name} has no argument ${arg.name}=${didYouMean(arg.name, builtin.named)}: expected one of ${builtin.named.map((n) => `${n}=`).join(", ")}`
            : `${call.name} takes no name=value arguments`,
        );
      else if (names.has(arg.name)) report(at, `${call.name}: ${arg.name}= is given twice`);
      names.add(arg.name);
    }
    const n = positional.length;
    if (n < builtin.min)
      report(call.end, `${call.name} expects ${arity(builtin)} ${builtin.signature}, got ${n}`);
    else if (n > builtin.max) {
      const extra = positional[builtin.max];
      report(
        extra ? startOf(extra.value) : call.end,
        `${call.name} expects ${arity(builtin)} ${builtin.signature}, got ${n}`,
      );
    } else {
      const shape = builtin.shape?.(call);
      if (shape) report(shape.pos, shape.message);
    }
    for (const index of builtin.literals ?? []) {
      const arg = positional[index];
      if (arg && arg.value.kind !== "string")
        report(
          startOf(arg.value),
          `${call.name}: argument ${index + 1} must be a string literal such as "...", checked once before the task starts; found ${what(arg.value)}`,
        );
    }
    positional.forEach((arg, i) => {
      visit(arg.value, builtin.events?.(i, n) ?? false);
    });
    for (const arg of call.args) if (arg.name !== undefined) visit(arg.value, false);
  };

  visit(root, true);
  return problems;
}
