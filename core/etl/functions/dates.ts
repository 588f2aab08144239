import { addToDateTime, DateTime } from "../datetime.ts";
import { compileFormat, type FormatToken, formatDateTime, parseWithFormat } from "../formats.ts";
import { describeType } from "../types.ts";
import { type Long, show } from "../values.ts";
import { instantOf, parseTimeZone, type TimeZone, wallClock } from "../zones.ts";
import { asDateTime, DATETIME_EXPECTED } from "./coerce.ts";
import { type CallContext, type Eval, strict1, type ValueBuiltin } from "./types.ts";

const DATETIME_LIKE = ["datetime", "string"] as const;
const DATETIME_ARG = "a datetime (or a string such as '2021-01-01 10:10:01')";

/** The optional time zone argument at `index` (a literal), else the script's time zone. */
function zoneArg(cx: CallContext, index: number): TimeZone {
  if (cx.count <= index) return cx.timeZone;
  const { text, pos } = cx.literal(index);
  return (
    parseTimeZone(text) ??
    cx.error(
      pos,
      `unknown time zone "${text}": expected UTC, an offset such as GMT+08 or +08:00, or a name such as Asia/Shanghai`,
    )
  );
}

function formatArg(cx: CallContext, index: number, name: string): FormatToken[] {
  const { text, pos } = cx.literal(index);
  const tokens = compileFormat(text);
  return typeof tokens === "string" ? cx.error(pos, `${name}: ${tokens}`) : tokens;
}

function fromEpoch(name: string, unitMs: number, fsp: number): ValueBuiltin {
  return {
    kind: "value",
    name,
    signature: `(${unitMs === 1000 ? "seconds" : "millis"}: long[, zone: string literal]) -> datetime`,
    min: 1,
    max: 2,
    literals: [1],
    compile(cx) {
      const value = cx.arg(
        0,
        ["long"],
        `a long (epoch ${unitMs === 1000 ? "seconds" : "milliseconds"})`,
      ).eval;
      const zone = zoneArg(cx, 1);
      const fail = cx.fail;
      return {
        type: "datetime",
        eval: strict1(value, (v) => {
          const ms = Number(v as Long) * unitMs;
          return wallClock(ms, zone, fsp) ?? fail(`${String(v)} is outside the years 0000-9999`);
        }),
      };
    },
  };
}

const ADD_UNITS = ["years", "months", "weeks", "days", "hours", "minutes", "seconds"] as const;

export const dateFunctions: ValueBuiltin[] = [
  {
    kind: "value",
    name: "dt_now",
    signature: "() -> datetime",
    min: 0,
    max: 0,
    impure: true,
    compile(cx) {
      const zone = cx.timeZone;
      let lastMs = Number.NaN;
      let last: DateTime | null = null;
      return {
        type: "datetime",
        eval: (env) => {
          const ms = Math.floor(cx.now(env) / 1000) * 1000;
          if (ms !== lastMs) {
            last = wallClock(ms, zone, 0) ?? null;
            lastMs = ms;
          }
          return last;
        },
      };
    },
  },
  {
    kind: "value",
    name: "dt_now_millis",
    signature: "() -> datetime",
    min: 0,
    max: 0,
    impure: true,
    compile(cx) {
      const zone = cx.timeZone;
      return { type: "datetime", eval: (env) => wallClock(cx.now(env), zone, 3) ?? null };
    },
  },
  fromEpoch("dt_fromtimestamp", 1000, 0),
  fromEpoch("dt_fromtimestamp_millis", 1, 3),
  {
    kind: "value",
    name: "dt_parsetimestamp",
    signature: "(value: datetime[, zone: string literal]) -> long",
    min: 1,
    max: 2,
    literals: [1],
    compile(cx) {
      const value = asDateTime(cx, cx.arg(0, DATETIME_LIKE, DATETIME_ARG));
      const zone = zoneArg(cx, 1);
      return {
        type: "long",
        eval: strict1(value, (v) => Math.floor(instantOf(v as DateTime, zone) / 1000)),
      };
    },
  },
  {
    kind: "value",
    name: "dt_str",
    signature: "(value: datetime, format: string literal) -> string",
    min: 2,
    max: 2,
    literals: [1],
    compile(cx) {
      const value = asDateTime(cx, cx.arg(0, DATETIME_LIKE, DATETIME_ARG));
      const tokens = formatArg(cx, 1, "dt_str");
      return { type: "string", eval: strict1(value, (v) => formatDateTime(v as DateTime, tokens)) };
    },
  },
  {
    kind: "value",
    name: "dt_strptime",
    signature: "(s: string, format: string literal) -> datetime",
    min: 2,
    max: 2,
    literals: [1],
    compile(cx) {
      const s = cx.arg(0, ["string"], "a string").eval;
      const tokens = formatArg(cx, 1, "dt_strptime");
      const { text: format } = cx.literal(1);
      const fail = cx.fail;
      return {
        type: "datetime",
        eval: strict1(s, (v) => {
          const parsed = parseWithFormat(v as string, tokens);
          return typeof parsed === "string"
            ? fail(`${show(v)} does not match "${format}": ${parsed}`)
            : parsed;
        }),
      };
    },
  },
  {
    kind: "value",
    name: "dt_add",
    signature:
      "(value: datetime, years=, months=, weeks=, days=, hours=, minutes=, seconds=: long) -> datetime",
    min: 1,
    max: 1,
    named: ADD_UNITS,
    compile(cx) {
      const value = asDateTime(cx, cx.arg(0, DATETIME_LIKE, DATETIME_ARG));
      const units: [string, Eval][] = [];
      for (const unit of ADD_UNITS) {
        const arg = cx.named(unit);
        if (!arg) continue;
        if (arg.type !== "long")
          cx.error(arg.pos, `dt_add: ${unit}= must be a long, got ${describeType(arg.type)}`);
        units.push([unit, arg.eval]);
      }
      const fail = cx.fail;
      return {
        type: "datetime",
        eval: (env) => {
          const v = value(env);
          if (v === null) return null;
          const amounts = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
          for (const [unit, amount] of units) {
            const n = amount(env);
            if (n === null) return null;
            amounts[unit as keyof typeof amounts] = Number(n as Long);
          }
          return (
            addToDateTime(v as DateTime, amounts) ??
            fail(
              `${(v as DateTime).toString()} moved by ${JSON.stringify(amounts)} leaves the years 0000-9999`,
            )
          );
        },
      };
    },
  },
  {
    kind: "value",
    name: "DATETIME",
    signature: "(text: string literal) -> datetime",
    min: 1,
    max: 1,
    literals: [0],
    compile(cx) {
      const { text, pos } = cx.literal(0);
      const value = DateTime.parse(text);
      if (!value)
        return cx.error(pos, `DATETIME: "${text}" is not a datetime: expected ${DATETIME_EXPECTED}`);
      return { type: "datetime", eval: () => value };
    },
  },
];
