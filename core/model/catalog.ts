/** What the engine knows of a source or destination schema: tables, columns and keys. */
export interface CatalogColumn {
  name: string;
  /** information_schema DATA_TYPE, lower case: int, varchar, datetime, ... */
  dataType: string;
  /** information_schema COLUMN_TYPE as declared: int(10) unsigned, varchar(50), ... */
  columnType: string;
  nullable: boolean;
  /** A generated (virtual or stored) column: created by the schema, never written by the copy. */
  generated: boolean;
  /** Character set of a text column (utf8mb4, latin1, ...), undefined for other types. */
  charset?: string | undefined;
  /** Collation of a text column (utf8mb4_general_ci, latin1_swedish_ci, ...), undefined for other types. */
  collation?: string | undefined;
}

export interface CatalogKey {
  name: string;
  primary: boolean;
  unique: boolean;
  columns: string[];
}

export interface CatalogTable {
  database: string;
  name: string;
  columns: CatalogColumn[];
  keys: CatalogKey[];
  /** Estimated row count from information_schema (InnoDB's estimate). */
  estimatedRows: number;
}

/** Tables of the selected databases, keyed by database then table name. */
export type Catalog = Map<string, Map<string, CatalogTable>>;

export function catalogTable(catalog: Catalog, database: string, table: string): CatalogTable | undefined {
  return catalog.get(database)?.get(table);
}

/**
 * The key that identifies a row: the primary key, else the first unique key whose columns are all
 * NOT NULL (as the product requires), else undefined.
 */
export function rowKey(table: CatalogTable): CatalogKey | undefined {
  const primary = table.keys.find((k) => k.primary);
  if (primary) return primary;
  const notNull = new Set(table.columns.filter((c) => !c.nullable).map((c) => c.name));
  return table.keys.find((k) => k.unique && k.columns.every((c) => notNull.has(c)));
}
