import type { FilterExpr, Operand } from "./filter.ts";

type Value = string | number | boolean | null | bigint | Buffer | object;

/**
 * Evaluates a parsed WHERE filter against one row change's image, so incremental migration keeps
 * exactly the rows the full load selected. MySQL semantics: NULL makes a comparison unknown
 * (a row matches only when the condition is true); strings compare case-insensitively (the
 * default _ci collations); a string compared with a number is compared as a number.
 */
export function matchesFilter(expr: FilterExpr, row: Record<string, unknown>): boolean {
  return evaluate(expr, row) === true;
}

function operand(o: Operand, row: Record<string, unknown>): Value {
  if (o.kind === "column") return (row[o.name] ?? null) as Value;
  return o.value;
}

function normalize(value: Value): number | string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (Buffer.isBuffer(value)) return value.toString("latin1");
  return String(value);
}

function compare(a: Value, b: Value): number | null {
  const x = normalize(a);
  const y = normalize(b);
  if (x === null || y === null) return null;
  if (typeof x === "number" || typeof y === "number") {
    const nx = Number(x);
    const ny = Number(y);
    if (Number.isNaN(nx) || Number.isNaN(ny)) return null;
    return nx === ny ? 0 : nx < ny ? -1 : 1;
  }
  const sx = x.toLowerCase();
  const sy = y.toLowerCase();
  return sx === sy ? 0 : sx < sy ? -1 : 1;
}

function like(value: Value, pattern: Value): boolean | null {
  const text = normalize(value);
  const p = normalize(pattern);
  if (text === null || p === null) return null;
  let regex = "";
  const source = String(p);
  for (let i = 0; i < source.length; i++) {
    const ch = source[i] ?? "";
    if (ch === "\\" && i + 1 < source.length)
      regex += (source[++i] ?? "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    else if (ch === "%") regex += "[\\s\\S]*";
    else if (ch === "_") regex += "[\\s\\S]";
    else regex += ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${regex}$`, "i").test(String(text));
}

const not = (v: boolean | null) => (v === null ? null : !v);

function evaluate(e: FilterExpr, row: Record<string, unknown>): boolean | null {
  switch (e.kind) {
    case "and": {
      const l = evaluate(e.left, row);
      const r = evaluate(e.right, row);
      if (l === false || r === false) return false;
      return l === null || r === null ? null : true;
    }
    case "or": {
      const l = evaluate(e.left, row);
      const r = evaluate(e.right, row);
      if (l === true || r === true) return true;
      return l === null || r === null ? null : false;
    }
    case "not":
      return not(evaluate(e.expr, row));
    case "compare": {
      const a = operand(e.left, row);
      const b = operand(e.right, row);
      if (e.op === "<=>")
        return normalize(a) === null || normalize(b) === null
          ? normalize(a) === normalize(b)
          : compare(a, b) === 0;
      const c = compare(a, b);
      if (c === null) return null;
      return {
        "=": c === 0,
        "<>": c !== 0,
        "!=": c !== 0,
        "<": c < 0,
        ">": c > 0,
        "<=": c <= 0,
        ">=": c >= 0,
      }[e.op];
    }
    case "in": {
      const value = operand(e.operand, row);
      let unknown = normalize(value) === null;
      for (const item of e.list) {
        const c = compare(value, operand(item, row));
        if (c === 0) return !e.not;
        if (c === null) unknown = true;
      }
      return unknown ? null : e.not;
    }
    case "between": {
      const value = operand(e.operand, row);
      const low = compare(value, operand(e.low, row));
      const high = compare(value, operand(e.high, row));
      if (low === null || high === null) return null;
      const inside = low >= 0 && high <= 0;
      return e.not ? !inside : inside;
    }
    case "like": {
      const result = like(operand(e.operand, row), operand(e.pattern, row));
      return e.not ? not(result) : result;
    }
    case "isNull": {
      const isNull = normalize(operand(e.operand, row)) === null;
      return e.not ? !isNull : isNull;
    }
  }
}
