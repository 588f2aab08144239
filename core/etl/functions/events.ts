import type { Call } from "../ast.ts";
import { constantValue } from "./coerce.ts";
import type { Eval, EventBuiltin, EventCode, Step } from "./types.ts";

const CONDITION = "a bool (a condition such as op_gt(`id`, 10))";
const NOOP: EventCode = { run: () => true, noop: true };

function pairs(what: string) {
  return (call: Call) =>
    call.args.length % 2 === 0
      ? undefined
      : { pos: call.end, message: `${call.name} takes ${what} in pairs: the last one has no partner` };
}

export const events: EventBuiltin[] = [
  {
    kind: "event",
    name: "e_drop",
    signature: "() -> event",
    min: 0,
    max: 0,
    compile: () => ({ run: () => false, noop: false }),
  },
  {
    kind: "event",
    name: "e_set",
    signature: "(`column`, value[, `column2`, value2, ...]) -> event",
    min: 2,
    max: Number.POSITIVE_INFINITY,
    shape: pairs("`column`, value"),
    compile(cx) {
      const writes: [(env: Parameters<Step>[0], value: unknown) => void, Eval][] = [];
      for (let i = 0; i < cx.count; i += 2) {
        const target = cx.target(i);
        const value = cx.value(i + 1);
        writes.push([cx.assign(target, value), value.eval]);
      }
      const n = writes.length;
      const [first] = writes;
      if (n === 1 && first) {
        const [write, value] = first;
        return {
          run: (env) => {
            write(env, value(env));
            return true;
          },
          noop: false,
        };
      }
      return {
        run: (env) => {
          // Sequential: a later pair sees the columns an earlier pair set.
          for (let i = 0; i < n; i++) {
            const [write, value] = writes[i] as [(env: Parameters<Step>[0], value: unknown) => void, Eval];
            write(env, value(env));
          }
          return true;
        },
        noop: false,
      };
    },
  },
  {
    kind: "event",
    name: "e_if",
    signature: "(cond: bool, op: event[, cond2: bool, op2: event, ...]) -> event",
    min: 2,
    max: Number.POSITIVE_INFINITY,
    events: (i) => i % 2 === 1,
    shape: pairs("conditions and operations"),
    compile(cx) {
      const branches: [Eval | undefined, Step][] = [];
      for (let i = 0; i < cx.count; i += 2) {
        const cond = cx.arg(i, ["bool"], CONDITION);
        let test: Eval | undefined = cond.eval;
        if (cond.constant) {
          // Decided for this table (e.g. op_eq(__TB__, "orders")): the operation is dropped or always runs.
          if (constantValue(cond) !== true) continue;
          test = undefined;
        }
        const op = cx.event(i + 1);
        if (!op.noop) branches.push([test, op.run]);
      }
      if (branches.length === 0) return NOOP;
      const n = branches.length;
      return {
        run: (env) => {
          // Every pair is tried in turn, on the row as the earlier operations left it.
          for (let i = 0; i < n; i++) {
            const [test, op] = branches[i] as [Eval | undefined, Step];
            if ((test === undefined || test(env) === true) && !op(env)) return false;
          }
          return true;
        },
        noop: false,
      };
    },
  },
  {
    kind: "event",
    name: "e_if_else",
    signature: "(cond: bool, op_true: event, op_false: event) -> event",
    min: 3,
    max: 3,
    events: (i) => i > 0,
    compile(cx) {
      const cond = cx.arg(0, ["bool"], CONDITION);
      if (cond.constant) return cx.event(constantValue(cond) === true ? 1 : 2);
      const test = cond.eval;
      const yes = cx.event(1);
      const no = cx.event(2);
      if (yes.noop && no.noop) return NOOP;
      const [a, b] = [yes.run, no.run];
      return { run: (env) => (test(env) === true ? a(env) : b(env)), noop: false };
    },
  },
  {
    kind: "event",
    name: "e_compose",
    signature: "(op1: event, op2: event, ...) -> event",
    min: 1,
    max: Number.POSITIVE_INFINITY,
    events: () => true,
    compile(cx) {
      const steps: Step[] = [];
      for (let i = 0; i < cx.count; i++) {
        const op = cx.event(i);
        if (!op.noop) steps.push(op.run);
      }
      const n = steps.length;
      if (n === 0) return NOOP;
      if (n === 1) return { run: steps[0] as Step, noop: false };
      return {
        run: (env) => {
          for (let i = 0; i < n; i++) if (!(steps[i] as Step)(env)) return false;
          return true;
        },
        noop: false,
      };
    },
  },
];
