import type { Connection } from "mysql2/promise";
import { BINARY_TYPES, NUMERIC_TYPES, TEMPORAL_TYPES } from "../model/data-types.ts";
import type { TupleColumn } from "./tuple.ts";

/**
 * How a chunk reaches a MySQL destination: `load` sends the source-rendered lines with LOAD DATA
 * LOCAL INFILE (the fast path, load-data.ts); `insert` sends multi-row INSERTs (destinations that
 * refuse LOAD DATA LOCAL, and ignore-and-proceed, which must keep existing rows).
 */
export type WriteMethod = "insert" | "load";

/**
 * The bulk path of the copy: the source renders each row as one line of LOAD DATA's text format
 * (tab-separated, `\N` for NULL, backslash, tab and newline escaped) in the column's own bytes,
 * and the destination loads the lines with LOAD DATA LOCAL INFILE ... CHARACTER SET binary.
 * The server then stores values without parsing SQL: about a quarter less destination CPU per
 * row than multi-row INSERTs, which is most of a full load's cost (measured, bench:full).
 *
 * Every literal is a hex literal so the SQL means the same under NO_BACKSLASH_ESCAPES.
 */
const TAB = "X'09'";
const NEWLINE = "X'0A'";
const NULL_FIELD = "X'5C4E'"; // \N

/** Backslash, tab and newline escaped, byte by byte (any character set round-trips). */
export function escaped(binary: string): string {
  return `REPLACE(REPLACE(REPLACE(${binary}, X'5C', X'5C5C'), ${TAB}, X'5C74'), ${NEWLINE}, X'5C6E')`;
}

/** One column as a LOAD DATA field: its text form, or its raw bytes, as a binary string. */
export function loadFieldExpression({ column, dataType, nullable }: TupleColumn): string {
  const orNull = (expression: string) => (nullable ? `IFNULL(${expression}, ${NULL_FIELD})` : expression);
  if (NUMERIC_TYPES.has(dataType)) return orNull(column);
  // MariaDB prints FLOAT with 6 significant digits; as a double (exact for every float) it round-trips.
  if (dataType === "float") return orNull(`${column} + 0E0`);
  // Loaded through a variable and CAST (LOAD DATA would store the digits' bytes into a BIT).
  if (dataType === "bit") return orNull(`CAST(${column} AS UNSIGNED)`);
  if (TEMPORAL_TYPES.has(dataType)) return orNull(`CAST(${column} AS BINARY)`);
  if (BINARY_TYPES.has(dataType) || dataType === "json") {
    // MySQL's JSON has no bytes of its own: its text (utf8mb4) is what the destination parses.
    const bytes =
      dataType === "json"
        ? `CAST(CAST(${column} AS CHAR CHARACTER SET utf8mb4) AS BINARY)`
        : `CAST(${column} AS BINARY)`;
    return orNull(escaped(bytes));
  }
  // Text in the column's own character set: the destination column takes the bytes as they are.
  return orNull(escaped(`CAST(${column} AS BINARY)`));
}

/** The SELECT expression that yields a row as one LOAD DATA line, newline included. */
export function loadLineExpression(columns: readonly TupleColumn[]): string {
  const fields = columns.map(loadFieldExpression);
  return `CONCAT(${fields.join(`, ${TAB}, `)}, ${NEWLINE})`;
}

/**
 * LOAD DATA's column list and SET clause: a column whose field `decode` turns into SQL is read
 * into the variable @<variables><index>, which that SQL uses; `constants` are further SET
 * assignments (columns that are not in the lines).
 */
function target(
  destinationColumns: readonly string[],
  dataTypes: readonly string[],
  constants: readonly string[],
  variables: string,
  decode: (dataType: string, variable: string) => string | undefined,
): string {
  const targets: string[] = [];
  const sets = [...constants];
  destinationColumns.forEach((column, index) => {
    const variable = `@${variables}${index}`;
    const value = decode(dataTypes[index] ?? "", variable);
    targets.push(value === undefined ? column : variable);
    if (value !== undefined) sets.push(`${column} = ${value}`);
  });
  return `(${targets.join(", ")})${sets.length > 0 ? ` SET ${sets.join(", ")}` : ""}`;
}

/** The target of source-rendered lines: BIT through a variable and CAST (its field is digits). */
export function loadTarget(
  destinationColumns: readonly string[],
  dataTypes: readonly string[],
  constants: readonly string[] = [],
): string {
  return target(destinationColumns, dataTypes, constants, "bit", (dataType, variable) =>
    dataType === "bit" ? `CAST(${variable} AS UNSIGNED)` : undefined,
  );
}

/**
 * The statement that loads one batch of lines, replacing rows whose key exists (copying a chunk
 * twice gives the same result, as with the INSERT path's ON DUPLICATE KEY UPDATE).
 */
export function loadStatement(
  destinationTable: string,
  target: string,
  charset: "binary" | "utf8mb4" = "binary",
): string {
  return (
    `LOAD DATA LOCAL INFILE 'dts-chunk' REPLACE INTO TABLE ${destinationTable} CHARACTER SET ${charset} ` +
    `FIELDS TERMINATED BY ${TAB} ESCAPED BY X'5C' LINES TERMINATED BY ${NEWLINE} ${target}`
  );
}

/**
 * `column = value` for a column every line would carry the same field in (`field` as loadFieldFor
 * renders it): the value LOAD DATA would have read from that field, set once in the statement.
 */
export function constantAssignment(column: string, dataType: string, field: string): string {
  if (field === "\\N") return `${column} = NULL`;
  if (isHexLoaded(dataType)) {
    if (!/^(?:[0-9a-f]{2})*$/i.test(field)) throw new Error(`not a hex field: ${field.slice(0, 40)}`);
    return `${column} = X'${field}'`;
  }
  // escapeField writes only these three escapes.
  const text = field.replace(/\\([\\tn])/g, (_, c: string) => (c === "t" ? "\t" : c === "n" ? "\n" : "\\"));
  return `${column} = CONVERT(X'${Buffer.from(text, "utf8").toString("hex")}' USING utf8mb4)`;
}

/**
 * LOAD DATA when the destination accepts LOAD DATA LOCAL (local_infile, on by default in MariaDB,
 * off in MySQL 8) and the copy owns the rows; ignore-and-proceed keeps existing rows, which only
 * the INSERT path does without also hiding other errors.
 */
export async function chooseWriteMethod(
  destination: Connection,
  keepExisting: boolean,
): Promise<WriteMethod> {
  if (keepExisting) return "insert";
  try {
    const [rows] = await destination.query("SELECT @@GLOBAL.local_infile AS enabled");
    return Number((rows as { enabled: unknown }[])[0]?.enabled) === 1 ? "load" : "insert";
  } catch {
    return "insert";
  }
}

/** Errors of a server or proxy that refuses LOAD DATA LOCAL after all: the chunk is written with INSERTs. */
export function refusesLoadData(error: unknown): boolean {
  const errno = (error as { errno?: number }).errno;
  // ER_NOT_ALLOWED_COMMAND, ER_CLIENT_LOCAL_FILES_DISABLED (MySQL 8), ER_LOAD_INFILE_CAPABILITY_DISABLED (MariaDB)
  return errno === 1148 || errno === 3948 || errno === 4166;
}

/**
 * Binary, BIT and spatial columns: the row reader takes their values as bytes, and the ETL path
 * (rows rendered in Node, as UTF-8 text: CHARACTER SET utf8mb4) sends them as hex into a variable
 * the SET clause decodes (UNHEX), so their bytes never pass through a character set.
 */
export function isHexLoaded(dataType: string): boolean {
  return BINARY_TYPES.has(dataType) || dataType === "bit";
}

const SPECIALS = /[\\\t\n]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n" };

/** Three indexOf scans cost a quarter of one RegExp test on typical short text (measured). */
function escapeField(text: string): string {
  return text.indexOf("\\") === -1 && text.indexOf("\t") === -1 && text.indexOf("\n") === -1
    ? text
    : text.replace(SPECIALS, (c) => ESCAPES[c] ?? c);
}

/** A JS value (as the row reader and the ETL script produce it) as a LOAD DATA field. */
function loadFieldValue(value: unknown, hex: boolean): string {
  if (value === null || value === undefined) return "\\N";
  if (hex) {
    if (Buffer.isBuffer(value)) return value.toString("hex");
    return Buffer.from(typeof value === "string" ? value : String(value), "utf8").toString("hex");
  }
  if (typeof value === "string") return escapeField(value);
  if (typeof value === "number") return Object.is(value, -0) ? "-0e0" : String(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return value ? "1" : "0";
  if (Buffer.isBuffer(value)) return escapeField(value.toString("utf8"));
  return escapeField(JSON.stringify(value));
}

/** loadFieldValue specialised for one column type, for the row loop. */
export function loadFieldFor(dataType: string): (value: unknown) => string {
  const hex = isHexLoaded(dataType);
  if (hex) return (value) => loadFieldValue(value, true);
  return (value) => (typeof value === "string" ? escapeField(value) : loadFieldValue(value, false));
}

/** The target of Node-rendered lines: hex-loaded columns through a variable and UNHEX. */
export function hexLoadTarget(
  destinationColumns: readonly string[],
  dataTypes: readonly string[],
  constants: readonly string[] = [],
): string {
  return target(destinationColumns, dataTypes, constants, "hex", (dataType, variable) =>
    isHexLoaded(dataType) ? `UNHEX(${variable})` : undefined,
  );
}
