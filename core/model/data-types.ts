/** Sets of information_schema DATA_TYPE values that decide how a column's values are read and written. */
export const NUMERIC_TYPES: ReadonlySet<string> = new Set([
  "tinyint",
  "smallint",
  "mediumint",
  "int",
  "integer",
  "bigint",
  "decimal",
  "numeric",
  "year",
  "double",
  "real",
]);
export const TEMPORAL_TYPES: ReadonlySet<string> = new Set(["date", "datetime", "timestamp", "time"]);
/** Spatial column types (information_schema DATA_TYPE). */
export const SPATIAL_TYPES: ReadonlySet<string> = new Set([
  "geometry",
  "point",
  "linestring",
  "polygon",
  "multipoint",
  "multilinestring",
  "multipolygon",
  "geometrycollection",
  "geomcollection",
]);
export const BINARY_TYPES: ReadonlySet<string> = new Set([
  "binary",
  "varbinary",
  "tinyblob",
  "blob",
  "mediumblob",
  "longblob",
  ...SPATIAL_TYPES,
]);
