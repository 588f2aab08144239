import { describe, expect, it } from "vitest";
import { DtsError, SpecError } from "#core/errors.ts";
import { EtlError, type EtlProblem, formatProblem, parseEtl } from "#core/etl/index.ts";

function parseError(script: string): EtlError {
  try {
    parseEtl(script);
  } catch (error) {
    expect(error).toBeInstanceOf(EtlError);
    return error as EtlError;
  }
  throw new Error(`expected ${JSON.stringify(script)} to be rejected`);
}

/** [line, column, message] of every problem. */
function problems(script: string): [number, number, string][] {
  return parseError(script).problems.map((p: EtlProblem) => [p.line, p.column, p.message]);
}

describe("parsing", () => {
  it("accepts one expression, with or without the script: prefix", () => {
    expect(parseEtl("e_drop()").root).toMatchObject({ kind: "call", name: "e_drop", args: [] });
    expect(parseEtl("script:e_if(op_gt(`id`, 10000), e_drop())").root).toMatchObject({
      kind: "call",
      name: "e_if",
      pos: { line: 1, column: 8 },
    });
    expect(parseEtl("  script : e_drop()").root).toMatchObject({ pos: { line: 1, column: 12 } });
  });

  it("keeps the script's own positions after the prefix and across lines", () => {
    expect(problems("script:e_set(`a`, str_uper(`b`))")).toEqual([
      [1, 19, "unknown function str_uper (did you mean str_upper?)"],
    ]);
    expect(problems("e_compose(\n  e_set(`a`, 1),\n  e_sett(`b`, 2)\n)")).toEqual([
      [3, 3, "unknown function e_sett (did you mean e_set?)"],
    ]);
  });

  it("reads literals: integers, decimals, doubles, strings with escapes, booleans, columns", () => {
    const call = parseEtl(
      "e_set(`a``b`, 12, `c`, -1.50, `d`, 1e3, `e`, \"q\\\"\\\\\\n\\t\", `f`, 'it\\'s \\d', `g`, true, `h`, false)",
    ).root;
    expect(call).toMatchObject({
      kind: "call",
      args: [
        { value: { kind: "column", name: "a`b" } },
        { value: { kind: "number", text: "12", form: "integer" } },
        { value: { kind: "column", name: "c" } },
        { value: { kind: "number", text: "-1.50", form: "decimal" } },
        { value: { kind: "column", name: "d" } },
        { value: { kind: "number", text: "1e3", form: "double" } },
        { value: { kind: "column", name: "e" } },
        { value: { kind: "string", value: 'q"\\\n\t' } },
        { value: { kind: "column", name: "f" } },
        { value: { kind: "string", value: "it's \\d" } },
        { value: { kind: "column", name: "g" } },
        { value: { kind: "bool", value: true } },
        { value: { kind: "column", name: "h" } },
        { value: { kind: "bool", value: false } },
      ],
    });
  });

  it("turns operators into the functions they stand for, with the usual precedence", () => {
    const root = parseEtl("e_set(`a`, `x` + 2 * 3 > 4 ? -`y` : 5 / 2 - 1, `b`, `x` != 1)").root;
    expect(root).toMatchObject({
      args: [
        {},
        {
          value: {
            kind: "ternary",
            cond: {
              name: "op_gt",
              operator: ">",
              args: [{ value: { name: "op_sum", args: [{}, { value: { name: "op_mul" } }] } }, {}],
            },
            whenTrue: {
              name: "op_sub",
              operator: "-",
              args: [{ value: { text: "0" } }, { value: { name: "y" } }],
            },
            whenFalse: {
              name: "op_sub",
              args: [{ value: { name: "op_div_true" } }, { value: { text: "1" } }],
            },
          },
        },
        {},
        { value: { name: "op_not", args: [{ value: { name: "op_eq", operator: "!=" } }] } },
      ],
    });
  });

  it("reports a missing parenthesis at the end of the script", () => {
    expect(problems("e_if(op_gt(`id`, 1), e_drop()")).toEqual([
      [1, 30, "expected ',' or ')' but found the end of the script"],
    ]);
    expect(problems("e_set(`a`, (1 + 2)")).toEqual([
      [1, 19, "expected ',' or ')' but found the end of the script"],
    ]);
    expect(problems("e_set(`a`, (1 + 2, 3))")).toEqual([
      [1, 18, "expected ')' to close the '(' but found ','"],
    ]);
  });

  it("reports a missing comma at the token found instead", () => {
    expect(problems("e_if(op_gt(`id`, 1) e_drop())")).toEqual([
      [1, 21, "expected ',' or ')' but found 'e_drop'"],
    ]);
  });

  it("reports a missing argument and trailing commas", () => {
    expect(problems("e_set(`a`, 1,)")).toEqual([
      [
        1,
        14,
        "expected an expression (a function call, a `column`, a \"string\", a number, true/false or a variable) but found ')'",
      ],
    ]);
    expect(problems("e_if(")).toEqual([
      [1, 6, "expected an argument or ')' but found the end of the script"],
    ]);
    expect(problems("   ")).toEqual([
      [
        1,
        4,
        'expected an expression (a function call, a `column`, a "string", a number, true/false or a variable) but found the end of the script',
      ],
    ]);
  });

  it("rejects a second expression: a script is one expression", () => {
    expect(problems("e_drop() e_drop()")).toEqual([
      [
        1,
        10,
        "expected the end of the script but found 'e_drop': a script is one expression (combine several with e_compose(a, b))",
      ],
    ]);
  });

  it("rejects an incomplete conditional", () => {
    expect(problems("e_set(`a`, `x` > 1 ? 2)")).toEqual([
      [1, 23, "expected ':' of the conditional (cond ? a : b) but found ')'"],
    ]);
  });

  it("reports unterminated strings and columns and stray characters where they start", () => {
    expect(problems('e_set(`a`, "abc)')).toEqual([[1, 12, 'unterminated string: expected a closing "']]);
    expect(problems("e_set(`a, 1)")).toEqual([[1, 7, "unterminated column name: expected a closing `"]]);
    expect(problems("e_set(`a`, 1 # 2)")).toEqual([
      [
        1,
        14,
        'unexpected character "#": expected a function call, a `column`, a "string", a number or an operator',
      ],
    ]);
    expect(problems("e_if(`a` > 1 && `b` > 1, e_drop())")[0]).toEqual([
      1,
      14,
      "unexpected '&': write op_and(a, b) or op_or(a, b)",
    ]);
    expect(problems("e_if(!`a`, e_drop())")[0]?.[2]).toBe(
      "unexpected '!': write op_not(...) to negate, or != to compare",
    );
  });
});

describe("names and arity, whatever the table", () => {
  it("names are case-sensitive", () => {
    expect(problems("E_DROP()")).toEqual([[1, 1, "unknown function E_DROP (did you mean e_drop?)"]]);
    expect(problems("e_if(op_eq(__tb__, 'a'), e_drop())")).toEqual([
      [
        1,
        12,
        "unknown name __tb__ (did you mean __TB__?): write a column in backticks (`__tb__`) or a variable such as __TB__ or __OPERATION__",
      ],
    ]);
  });

  it("reports every unknown function, with a suggestion when one is close", () => {
    expect(problems("e_compose(e_set(`a`, str_uper(`b`)), e_set(`c`, frobnicate(1)))")).toEqual([
      [1, 22, "unknown function str_uper (did you mean str_upper?)"],
      [1, 49, "unknown function frobnicate"],
    ]);
  });

  it("reports too few arguments at the closing parenthesis and too many at the first extra one", () => {
    expect(problems("e_set(`p`, str_mask(`p`, 7, 10))")).toEqual([
      [
        1,
        31,
        "str_mask expects 4 arguments (s: string, start: long, end: long, mask: string) -> string, got 3",
      ],
    ]);
    expect(problems("e_set(`p`, str_upper(`p`, `q`))")).toEqual([
      [1, 27, "str_upper expects 1 argument (s: string) -> string, got 2"],
    ]);
    expect(problems("e_drop(1)")).toEqual([[1, 8, "e_drop expects 0 arguments () -> event, got 1"]]);
    expect(problems("e_if_else(true, e_drop())")[0]).toEqual([
      1,
      25,
      "e_if_else expects 3 arguments (cond: bool, op_true: event, op_false: event) -> event, got 2",
    ]);
    expect(problems("e_set(`a`, op_and(true))")[0]).toEqual([
      1,
      23,
      "op_and expects at least 2 arguments (a: bool, b: bool, ...) -> bool, got 1",
    ]);
    expect(problems("e_set(`a`, str_replace(`a`, 'x'))")[0]?.[2]).toBe(
      "str_replace expects 3 to 4 arguments (s: string, old: string, new: string[, count: long]) -> string, got 2",
    );
  });

  it("e_set and e_if take their arguments in pairs", () => {
    expect(problems("e_set(`a`, 1, `b`)")).toEqual([
      [1, 18, "e_set takes `column`, value in pairs: the last one has no partner"],
    ]);
    expect(problems("e_if(true, e_drop(), false)")).toEqual([
      [1, 27, "e_if takes conditions and operations in pairs: the last one has no partner"],
    ]);
  });

  it("puts event functions and values where they belong", () => {
    expect(problems("op_gt(`id`, 1)")).toEqual([
      [
        1,
        1,
        "expected an event function (e_set, e_drop, e_if, e_if_else or e_compose) but found op_gt(...), a value",
      ],
    ]);
    expect(problems("e_if(op_gt(`id`, 1), `id` + 1)")).toEqual([
      [
        1,
        22,
        "expected an event function (e_set, e_drop, e_if, e_if_else or e_compose) but found the operator +",
      ],
    ]);
    expect(problems("e_if(e_drop(), e_drop())")).toEqual([
      [
        1,
        6,
        "e_drop is an event function: it can only be the whole script or an operation of e_if, e_if_else or e_compose, not a value",
      ],
    ]);
    expect(problems("`id`")[0]?.[2]).toBe(
      "expected an event function (e_set, e_drop, e_if, e_if_else or e_compose) but found the column `id`",
    );
    expect(problems('e_compose("x")')[0]?.[2]).toBe(
      "expected an event function (e_set, e_drop, e_if, e_if_else or e_compose) but found a string",
    );
  });

  it("explains bare names: columns need backticks, functions need parentheses", () => {
    expect(problems("e_set(`a`, (id > 1000 ? 1 : 0))")).toEqual([
      [
        1,
        13,
        "unknown name id: write a column in backticks (`id`) or a variable such as __TB__ or __OPERATION__",
      ],
    ]);
    expect(problems("e_set(`a`, dt_now)")).toEqual([[1, 12, "dt_now is a function: call it as dt_now(...)"]]);
    expect(problems("e_set(`a`, __BEFORE__)")[0]?.[2]).toMatch(/^__BEFORE__ is not supported: /);
    expect(problems("e_set(``, 1)")).toEqual([[1, 7, "empty column name: write `name`"]]);
  });

  it("checks name=value and literal-only arguments", () => {
    expect(problems("e_set(`a`, str_upper(s=`b`))")[0]).toEqual([
      1,
      22,
      "str_upper takes no name=value arguments",
    ]);
    expect(problems("e_set(`a`, dt_add(days=1, `b`))")[0]).toEqual([
      1,
      27,
      "dt_add: a positional argument cannot follow a name=value argument",
    ]);
    expect(problems("e_set(`a`, dt_str(`b`, `fmt`))")).toEqual([
      [
        1,
        24,
        'dt_str: argument 2 must be a string literal such as "...", checked once before the task starts; found the column `fmt`',
      ],
    ]);
  });
});

describe("EtlError", () => {
  it("is a spec error carrying every problem with its position", () => {
    const error = parseError("e_compose(e_set(`a`, str_uper(`b`)), e_sett(`c`, 1))");
    expect(error).toBeInstanceOf(SpecError);
    expect(error).toBeInstanceOf(DtsError);
    expect(error.name).toBe("EtlError");
    expect([error.line, error.column]).toEqual([1, 22]);
    expect(error.message).toBe(
      "line 1, column 22: unknown function str_uper (did you mean str_upper?) (and 1 more problem(s))",
    );
    expect(error.details).toEqual([
      "line 1, column 22: unknown function str_uper (did you mean str_upper?)",
      "line 1, column 38: unknown function e_sett (did you mean e_set?)",
    ]);
  });

  it("formats a problem with its table when it has one", () => {
    expect(formatProblem({ line: 2, column: 5, message: "boom", table: "shop.orders" })).toBe(
      "line 2, column 5, table shop.orders: boom",
    );
  });
});
