/**
 * Key ranges of chunks as SQL: lower bound exclusive, upper bound inclusive, over a (possibly
 * composite) key. Bounds are SQL literals rendered from the source's own values.
 * (a, b) > (x, y) is written as a > x OR (a = x AND b > y), which every server's range optimizer uses.
 */
function compare(columns: readonly string[], values: readonly string[], last: ">" | "<=" | "<"): string {
  const terms: string[] = [];
  // A bound may name only the leading columns (a planner splitting on the first one): it compares those.
  const width = Math.min(columns.length, values.length);
  for (let i = 0; i < width; i++) {
    const equal = columns.slice(0, i).map((c, j) => `${c} = ${values[j]}`);
    const isLast = i === width - 1;
    const op = last === ">" ? ">" : isLast ? last : "<";
    terms.push([...equal, `${columns[i]} ${op} ${values[i]}`].join(" AND "));
  }
  return terms.length === 1 ? (terms[0] ?? "") : `(${terms.map((t) => `(${t})`).join(" OR ")})`;
}

export interface KeyRange {
  /** Exclusive lower bound, or null for the start of the table; a prefix of the key bounds its leading columns. */
  lower: string[] | null;
  /** Inclusive upper bound, or null for the end of the table. */
  upper: string[] | null;
}

/** The WHERE condition selecting a range; `columns` are already quoted. */
export function rangeCondition(columns: readonly string[], range: KeyRange): string {
  const parts: string[] = [];
  if (range.lower) parts.push(compare(columns, range.lower, ">"));
  if (range.upper) parts.push(compare(columns, range.upper, "<="));
  return parts.length === 0 ? "TRUE" : parts.join(" AND ");
}

/** ORDER BY clause for the key. */
export function keyOrder(columns: readonly string[]): string {
  return columns.join(", ");
}
