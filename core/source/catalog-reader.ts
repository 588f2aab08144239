import type { Connection, RowDataPacket } from "mysql2/promise";
import type { Catalog, CatalogTable } from "../model/catalog.ts";

/** Reads base tables, columns and unique keys of `databases` from information_schema. */
export async function readCatalog(connection: Connection, databases: readonly string[]): Promise<Catalog> {
  const catalog: Catalog = new Map();
  if (databases.length === 0) return catalog;
  const [schemata] = await connection.query<RowDataPacket[]>(
    "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?)",
    [databases],
  );
  for (const row of schemata) catalog.set(String(row.name), new Map());
  const [tables] = await connection.query<RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, COALESCE(TABLE_ROWS, 0) AS estimatedRows
       FROM information_schema.TABLES
      WHERE TABLE_SCHEMA IN (?) AND TABLE_TYPE = 'BASE TABLE'`,
    [databases],
  );
  for (const row of tables) {
    const table: CatalogTable = {
      database: String(row.db),
      name: String(row.name),
      columns: [],
      keys: [],
      estimatedRows: Number(row.estimatedRows),
    };
    catalog.get(table.database)?.set(table.name, table);
  }
  const [columns] = await connection.query<RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS name, DATA_TYPE AS dataType,
            COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable, EXTRA AS extra,
            CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation
       FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA IN (?)
      ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    [databases],
  );
  for (const row of columns) {
    catalog
      .get(String(row.db))
      ?.get(String(row.tbl))
      ?.columns.push({
        name: String(row.name),
        dataType: String(row.dataType).toLowerCase(),
        columnType: String(row.columnType),
        nullable: row.nullable === "YES",
        generated: /VIRTUAL|STORED|PERSISTENT/i.test(String(row.extra ?? "")),
        charset: textOrUndefined(row.charset),
        collation: textOrUndefined(row.collation),
      });
  }
  const [indexes] = await connection.query<RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, INDEX_NAME AS name, NON_UNIQUE AS nonUnique,
            COLUMN_NAME AS col
       FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA IN (?) AND NON_UNIQUE = 0
      ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [databases],
  );
  for (const row of indexes) {
    const table = catalog.get(String(row.db))?.get(String(row.tbl));
    if (!table) continue;
    const name = String(row.name);
    let key = table.keys.find((k) => k.name === name);
    if (!key) {
      key = { name, primary: name === "PRIMARY", unique: true, columns: [] };
      table.keys.push(key);
    }
    key.columns.push(String(row.col));
  }
  return catalog;
}

const textOrUndefined = (value: unknown) =>
  value === null || value === undefined ? undefined : String(value);
