import { describe, expect, it } from "vitest";
import { compileEtl, type EtlOptions, type EtlRowContext, type EtlTable } from "#core/etl/index.ts";
import type { Row } from "#core/model/row.ts";
import { compileError as compileErrorFor, runtimeError as runtimeErrorFor } from "../support/etl-errors.ts";

const TABLE: EtlTable = {
  database: "shop",
  table: "orders",
  columns: [
    { name: "id", dataType: "int" },
    { name: "created", dataType: "datetime" },
    { name: "updated", dataType: "timestamp" },
    { name: "day", dataType: "date" },
    { name: "text", dataType: "varchar" },
    { name: "epoch", dataType: "bigint" },
  ],
  addedColumns: [
    { name: "t", dataType: "datetime" },
    { name: "s", dataType: "varchar" },
    { name: "n", dataType: "bigint" },
  ],
  key: ["id"],
};

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
const CONTEXT: EtlRowContext = {
  operation: "update",
  commitTimestamp: Date.UTC(2021, 6, 21, 3, 20, 29, 999),
};

function evaluate(target: string, expr: string, row: Row = {}, options: EtlOptions = {}) {
  const out = compileEtl(`e_set(\`${target}\`, ${expr})`, TABLE, { now: () => NOW, ...options }).transform(
    { id: 1, ...row },
    CONTEXT,
  );
  if (out === null) throw new Error("dropped");
  return out[target];
}

const datetime = (expr: string, row?: Row, options?: EtlOptions) => evaluate("t", expr, row, options);
const text = (expr: string, row?: Row, options?: EtlOptions) => evaluate("s", expr, row, options);
const long = (expr: string, row?: Row, options?: EtlOptions) => evaluate("n", expr, row, options);

const compileError = (script: string) => compileErrorFor(script, TABLE);

const runtimeError = (script: string, row: Row) => runtimeErrorFor(script, TABLE, row, CONTEXT);

describe("datetime constants and columns", () => {
  it("DATETIME('...') is a constant checked before the task starts", () => {
    expect(datetime("DATETIME('2021-01-01 10:10:01')")).toBe("2021-01-01 10:10:01");
    expect(datetime("DATETIME('2021-01-01')")).toBe("2021-01-01 00:00:00");
    expect(datetime("DATETIME('2021-01-01 10:10:01.25')")).toBe("2021-01-01 10:10:01.25");
    const error = compileError("e_set(`t`, DATETIME('2021-02-30 00:00:00'))");
    expect([error.line, error.column]).toEqual([1, 21]);
    expect(error.problems[0]?.message).toBe(
      "DATETIME: \"2021-02-30 00:00:00\" is not a datetime: expected 'YYYY-MM-DD HH:MM:SS[.ffffff]'",
    );
    expect(compileError("e_set(`t`, DATETIME(`text`))").problems[0]?.message).toContain(
      "DATETIME: argument 1 must be a string literal",
    );
  });

  it("reads DATETIME, TIMESTAMP and DATE columns to the microsecond; zero dates are NULL", () => {
    expect(datetime("`created`", { created: "2024-01-02 03:04:05.123456" })).toBe(
      "2024-01-02 03:04:05.123456",
    );
    expect(datetime("`updated`", { updated: "2024-01-02 03:04:05" })).toBe("2024-01-02 03:04:05");
    expect(datetime("`day`", { day: "2024-01-02" })).toBe("2024-01-02 00:00:00");
    expect(datetime("`created`", { created: "0000-00-00 00:00:00" })).toBeNull();
    expect(datetime("`created`", { created: null })).toBeNull();
  });

  it("fails a row whose datetime column does not hold a datetime", () => {
    const error = runtimeError("e_set(`t`, dt_add(`created`, days=1))", { id: 3, created: "yesterday" });
    expect(error.message).toBe(
      'line 1, column 19: `created`: holds "yesterday", not a datetime (row of shop.orders, key id=3)',
    );
  });

  it("writes DATE columns as dates", () => {
    const out = compileEtl("e_set(`day`, dt_add(`day`, days=1))", TABLE).transform(
      { id: 1, day: "2024-02-28" },
      CONTEXT,
    );
    expect(out?.day).toBe("2024-02-29");
  });

  it("writes strings into datetime columns only when they hold a datetime", () => {
    expect(datetime("`text`", { text: "2024-01-02T03:04:05" })).toBe("2024-01-02 03:04:05");
    expect(datetime("`text`", { text: "0000-00-00 00:00:00" })).toBe("0000-00-00 00:00:00");
    const error = runtimeError("e_set(`t`, `text`)", { id: 1, text: "soon" });
    expect(error.message).toBe(
      "line 1, column 7: e_set: \"soon\" is not a datetime ('YYYY-MM-DD HH:MM:SS') (row of shop.orders, key id=1)",
    );
  });
});

describe("__COMMIT_TIMESTAMP__, dt_now and dt_now_millis", () => {
  it("__COMMIT_TIMESTAMP__ is the commit time to the second, in UTC unless a time zone is set", () => {
    expect(datetime("__COMMIT_TIMESTAMP__")).toBe("2021-07-21 03:20:29");
    expect(datetime("__COMMIT_TIMESTAMP__", {}, { timeZone: "Asia/Shanghai" })).toBe("2021-07-21 11:20:29");
    expect(datetime("__COMMIT_TIMESTAMP__", {}, { timeZone: "-05:30" })).toBe("2021-07-20 21:50:29");
  });

  it("dt_now is the processing time to the second, dt_now_millis to the millisecond", () => {
    expect(datetime("dt_now()")).toBe("2024-01-02 03:04:05");
    expect(datetime("dt_now_millis()")).toBe("2024-01-02 03:04:05.678");
    expect(datetime("dt_now()", {}, { timeZone: "GMT+08" })).toBe("2024-01-02 11:04:05");
  });

  it("reads the clock once per row, and again for the next row", () => {
    let clock = NOW;
    const compiled = compileEtl("e_set(`t`, dt_now_millis(), `s`, dt_str(dt_now_millis(), 'SSS'))", TABLE, {
      now: () => clock++,
    });
    const first = compiled.transform({ id: 1 }, CONTEXT);
    expect(first).toMatchObject({ t: "2024-01-02 03:04:05.678", s: "678" });
    expect(compiled.transform({ id: 2 }, CONTEXT)).toMatchObject({ t: "2024-01-02 03:04:05.679", s: "679" });
  });

  it("rejects unknown time zones in options", () => {
    expect(() => compileEtl("e_drop()", TABLE, { timeZone: "Mars/Olympus" })).toThrow(
      /unknown time zone "Mars\/Olympus"/,
    );
  });
});

describe("dt_fromtimestamp, dt_fromtimestamp_millis, dt_parsetimestamp", () => {
  it("turns epoch seconds and milliseconds into datetimes, in UTC or the given zone", () => {
    expect(datetime("dt_fromtimestamp(1626837629)")).toBe("2021-07-21 03:20:29");
    expect(datetime("dt_fromtimestamp(1626837629, 'GMT+08')")).toBe("2021-07-21 11:20:29");
    expect(datetime("dt_fromtimestamp(`epoch`, 'Asia/Shanghai')", { epoch: 1626837629 })).toBe(
      "2021-07-21 11:20:29",
    );
    expect(datetime("dt_fromtimestamp(-1)")).toBe("1969-12-31 23:59:59");
    expect(datetime("dt_fromtimestamp_millis(1626837629123)")).toBe("2021-07-21 03:20:29.123");
    expect(datetime("dt_fromtimestamp_millis(1626837629123, '+08:00')")).toBe("2021-07-21 11:20:29.123");
    expect(datetime("dt_fromtimestamp(`epoch`)", { epoch: null })).toBeNull();
  });

  it("follows daylight saving time in named zones", () => {
    expect(datetime("dt_fromtimestamp(1720000000, 'America/New_York')")).toBe("2024-07-03 05:46:40");
    expect(datetime("dt_fromtimestamp(1705000000, 'America/New_York')")).toBe("2024-01-11 14:06:40");
    expect(long("dt_parsetimestamp('2024-07-03 05:46:40', 'America/New_York')")).toBe(1720000000);
    // 01:30 happens twice on 2024-11-03 and 02:30 never on 2024-03-10: the offset before the change.
    expect(long("dt_parsetimestamp('2024-11-03 01:30:00', 'America/New_York')")).toBe(1730611800);
    expect(long("dt_parsetimestamp('2024-03-10 02:30:00', 'America/New_York')")).toBe(1710055800);
  });

  it("turns datetimes back into epoch seconds", () => {
    expect(long("dt_parsetimestamp(`created`)", { created: "2021-07-21 03:20:29.999" })).toBe(1626837629);
    expect(long("dt_parsetimestamp(`created`, 'GMT+08')", { created: "2021-07-21 11:20:29" })).toBe(
      1626837629,
    );
    expect(long("dt_parsetimestamp('1970-01-01 00:00:00')")).toBe(0);
    expect(long("dt_parsetimestamp(`text`)", { text: "1970-01-01 00:01:00" })).toBe(60);
    expect(long("dt_parsetimestamp(`created`)", { created: null })).toBeNull();
  });

  it("fails a row whose epoch value is outside the years 0000-9999", () => {
    const error = runtimeError("e_set(`t`, dt_fromtimestamp(`epoch`))", { id: 1, epoch: 1e15 });
    expect(error.message).toBe(
      "line 1, column 12: dt_fromtimestamp: 1000000000000000 is outside the years 0000-9999 (row of shop.orders, key id=1)",
    );
  });

  it("checks zones and argument types before the task starts", () => {
    const zone = compileError("e_set(`t`, dt_fromtimestamp(1, 'Nowhere/Else'))");
    expect([zone.column, zone.problems[0]?.message]).toEqual([
      32,
      'unknown time zone "Nowhere/Else": expected UTC, an offset such as GMT+08 or +08:00, or a name such as Asia/Shanghai',
    ]);
    expect(compileError("e_set(`t`, dt_fromtimestamp(`text`))").problems[0]?.message).toBe(
      "dt_fromtimestamp: argument 1 must be a long (epoch seconds), got a string",
    );
    expect(compileError("e_set(`n`, dt_parsetimestamp(`id`))").problems[0]?.message).toBe(
      "dt_parsetimestamp: argument 1 must be a datetime (or a string such as '2021-01-01 10:10:01'), got a long (integer)",
    );
    expect(compileError("e_set(`n`, dt_parsetimestamp('noon'))").problems[0]?.message).toBe(
      "\"noon\" is not a datetime: expected 'YYYY-MM-DD HH:MM:SS[.ffffff]'",
    );
  });
});

describe("dt_str and dt_strptime", () => {
  const row = { created: "2021-07-21 15:20:09.123456" };

  it("formats with Java patterns and with strftime directives", () => {
    expect(text("dt_str(`created`, 'yyyy-MM-dd HH:mm:ss')", row)).toBe("2021-07-21 15:20:09");
    expect(text("dt_str(`created`, 'yy/M/d h:m:s a')", row)).toBe("21/7/21 3:20:9 PM");
    expect(text("dt_str(`created`, \"yyyyMMdd'T'HHmmss.SSS\")", row)).toBe("20210721T152009.123");
    expect(text("dt_str(`created`, \"HH''mm\")", row)).toBe("15'20");
    expect(text("dt_str(`created`, 'HH\\'h\\'')", row)).toBe("15h");
    expect(text("dt_str(`created`, \"yyyy-MM-dd'T'HH:mm:ss.SSSSSS\")", row)).toBe(
      "2021-07-21T15:20:09.123456",
    );
    expect(text("dt_str(`created`, '%Y-%m-%d %H:%M:%S.%f %I%p %y %%')", row)).toBe(
      "2021-07-21 15:20:09.123456 03PM 21 %",
    );
    expect(text("dt_str('2021-01-01 00:00:00', 'hh a')")).toBe("12 AM");
    expect(text("dt_str(`created`, 'yyyy')", { created: null })).toBeNull();
  });

  it("rejects unsupported pattern letters before the task starts", () => {
    const error = compileError("e_set(`s`, dt_str(`created`, 'yyyy-MMM-dd'))");
    expect(error.column).toBe(30);
    expect(error.problems[0]?.message).toMatch(
      /^dt_str: unsupported pattern letters MMM in format "yyyy-MMM-dd"/,
    );
    expect(compileError("e_set(`s`, dt_str(`created`, '%Y %j'))").problems[0]?.message).toMatch(
      /^dt_str: unsupported directive %j/,
    );
    expect(compileError('e_set(`s`, dt_str(`created`, "yyyy \'x"))').problems[0]?.message).toMatch(
      /unterminated quote/,
    );
  });

  it("parses text with the same patterns", () => {
    expect(datetime("dt_strptime('2021-07-21 03:20:29', 'yyyy-MM-dd hh:mm:ss')")).toBe("2021-07-21 03:20:29");
    expect(datetime("dt_strptime(`text`, 'dd/MM/yyyy HH:mm')", { text: "21/07/2021 15:20" })).toBe(
      "2021-07-21 15:20:00",
    );
    expect(datetime("dt_strptime(`text`, 'yyyyMMddHHmmss')", { text: "20210721152009" })).toBe(
      "2021-07-21 15:20:09",
    );
    expect(datetime("dt_strptime(`text`, '%d.%m.%y %I:%M %p')", { text: "21.07.21 03:20 pm" })).toBe(
      "2021-07-21 15:20:00",
    );
    expect(datetime("dt_strptime(`text`, 'h a')", { text: "12 AM" })).toBe("1970-01-01 00:00:00");
    expect(
      datetime("dt_strptime(`text`, 'yyyy-MM-dd HH:mm:ss.SSS')", { text: "2021-07-21 15:20:09.5" }),
    ).toBe("2021-07-21 15:20:09.5");
    expect(datetime("dt_strptime(`text`, 'yyyy')", { text: null })).toBeNull();
  });

  it("fails a row whose text does not match the format", () => {
    const error = runtimeError("e_set(`t`, dt_strptime(`text`, 'yyyy-MM-dd'))", {
      id: 5,
      text: "2021/07/21",
    });
    expect(error.message).toBe(
      'line 1, column 12: dt_strptime: "2021/07/21" does not match "yyyy-MM-dd": expected "-" at position 5 (row of shop.orders, key id=5)',
    );
    expect(
      runtimeError("e_set(`t`, dt_strptime(`text`, 'yyyy-MM-dd'))", { id: 5, text: "2021-02-30" }).reason,
    ).toBe('"2021-02-30" does not match "yyyy-MM-dd": a field is out of range');
    expect(
      runtimeError("e_set(`t`, dt_strptime(`text`, 'yyyy-MM-dd'))", { id: 5, text: "2021-02-03x" }).reason,
    ).toBe('"2021-02-03x" does not match "yyyy-MM-dd": unexpected "x" after the format');
  });
});

describe("dt_add", () => {
  it("adds calendar units; month ends clamp", () => {
    const row = { created: "2024-01-31 10:00:00.5" };
    expect(datetime("dt_add(`created`, years=-1)", row)).toBe("2023-01-31 10:00:00.5");
    expect(datetime("dt_add(`created`, months=1)", row)).toBe("2024-02-29 10:00:00.5");
    expect(datetime("dt_add(`created`, years=1, months=1)", row)).toBe("2025-02-28 10:00:00.5");
    expect(datetime("dt_add(`created`, months=-2)", row)).toBe("2023-11-30 10:00:00.5");
    expect(datetime("dt_add(`created`, days=1, hours=14, minutes=-1, seconds=61)", row)).toBe(
      "2024-02-02 00:00:01.5",
    );
    expect(datetime("dt_add(`created`, weeks=2)", row)).toBe("2024-02-14 10:00:00.5");
    expect(datetime("dt_add(`created`)", row)).toBe("2024-01-31 10:00:00.5");
    expect(datetime("dt_add('2024-01-01 00:00:00', days=`id`)", { id: 3 })).toBe("2024-01-04 00:00:00");
  });

  it("gives NULL for a NULL datetime or amount", () => {
    expect(datetime("dt_add(`created`, days=1)", { created: null })).toBeNull();
    expect(datetime("dt_add('2024-01-01 00:00:00', days=`id`)", { id: null })).toBeNull();
  });

  it("fails a row moved outside the years 0000-9999", () => {
    const error = runtimeError("e_set(`t`, dt_add(`created`, years=`id`))", {
      id: 9000,
      created: "2024-01-01 00:00:00",
    });
    expect(error.functionName).toBe("dt_add");
    expect(error.reason).toMatch(/^2024-01-01 00:00:00 moved by .* leaves the years 0000-9999$/);
  });

  it("checks the unit names and amounts before the task starts", () => {
    const unit = compileError("e_set(`t`, dt_add(`created`, day=1))");
    expect([unit.column, unit.problems[0]?.message]).toEqual([
      30,
      "dt_add has no argument day= (did you mean days?): expected one of years=, months=, weeks=, days=, hours=, minutes=, seconds=",
    ]);
    expect(compileError("e_set(`t`, dt_add(`created`, days=1.5))").problems[0]?.message).toBe(
      "dt_add: days= must be a long, got a decimal",
    );
    expect(compileError("e_set(`t`, dt_add(`created`, days=1, days=2))").problems[0]?.message).toBe(
      "dt_add: days= is given twice",
    );
    expect(compileError("e_set(`t`, dt_add(`created`, 1))").problems[0]?.message).toContain(
      "dt_add expects 1 argument",
    );
  });
});
