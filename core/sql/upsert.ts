/**
 * The one upsert statement the project writes to a MySQL destination (full-load INSERTs and the
 * incremental applier): a multi-row INSERT whose rows overwrite a row with the same key. Names are
 * already quoted; the values are the caller's literals.
 */
export function insertInto(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(", ")}) VALUES `;
}

/**
 * ` ON DUPLICATE KEY UPDATE ...`: a row whose key exists takes the new values of every other
 * column; with `keepExisting` (ignore-and-proceed) it is kept as it is. Unlike INSERT IGNORE, every
 * other error still fails the statement.
 */
export function onDuplicateKey(
  columns: readonly string[],
  key: readonly string[],
  keepExisting = false,
): string {
  const first = key[0] ?? "";
  const keys = new Set(key);
  const values = keepExisting ? [] : columns.filter((c) => !keys.has(c)).map((c) => `${c} = VALUES(${c})`);
  return ` ON DUPLICATE KEY UPDATE ${values.length > 0 ? values.join(", ") : `${first} = ${first}`}`;
}
