import type { Row } from "../model/row.ts";

/** The binlog's column type code of YEAR. */
const YEAR_TYPE = 13;

interface MappedTable {
  columns?: { name: string; type?: number }[];
}

const yearsOf = new WeakMap<object, string[]>();

/**
 * The names of a table map's YEAR columns (worked out once per table map), as the rows hold them:
 * `realName` maps the table map's names to the rows' keys.
 */
export function yearColumns(table: MappedTable, realName: (name: string) => string): string[] {
  let years = yearsOf.get(table);
  if (!years) {
    years = (table.columns ?? []).filter((c) => c.type === YEAR_TYPE).map((c) => realName(c.name));
    yearsOf.set(table, years);
  }
  return years;
}

/**
 * YEAR 0000 is 0 in a row image, which ZongJi reads as 1900: a year the type cannot hold, refused
 * by a strict MySQL destination and written as 1900 into Kafka. It becomes "0000" again, the text
 * the full load reads (the tailer's own decoder, row-values.ts, reads it so).
 */
export function restoreYearZero(image: Row | undefined, years: readonly string[]): void {
  if (!image) return;
  for (const name of years) if (image[name] === 1900) image[name] = "0000";
}
