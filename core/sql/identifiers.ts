/** Quotes a MySQL identifier by doubling backticks; user text never reaches SQL unquoted. */
export function quoteIdentifier(name: string): string {
  if (name.length === 0) throw new Error("empty identifier");
  return `\`${name.replaceAll("`", "``")}\``;
}

/** `db`.`table` */
export function quoteQualified(database: string, table: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
}
