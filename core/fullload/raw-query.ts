import type { Connection } from "mysql2/promise";
import { type FieldInfo, literalKind, renderLiteral } from "../sql/literals.ts";

export type RawRow = (Buffer | null)[];

/** Runs a query returning raw values (no JS conversion) and the column definitions. */
export async function rawQuery(
  connection: Connection,
  sql: string,
): Promise<{ rows: RawRow[]; fields: FieldInfo[] }> {
  const [rows, fields] = await connection.query({ sql, typeCast: false, rowsAsArray: true });
  return { rows: rows as unknown as RawRow[], fields: fields as unknown as FieldInfo[] };
}

/** Runs a query and renders every value of every row as a SQL literal. */
export async function literalRows(connection: Connection, sql: string): Promise<string[][]> {
  const { rows, fields } = await rawQuery(connection, sql);
  const kinds = fields.map(literalKind);
  return rows.map((row) => row.map((value, i) => renderLiteral(kinds[i] ?? "text", value)));
}
