import { SpecError } from "../errors.ts";
import type { Row } from "../model/row.ts";
import { parseTimeZone, type TimeZone } from "./zones.ts";

/** A column as the catalog describes it (CatalogColumn fits). */
export interface EtlColumn {
  readonly name: string;
  /** information_schema DATA_TYPE: int, bigint, varchar, datetime, decimal, ... */
  readonly dataType: string;
  /** information_schema COLUMN_TYPE (decimal(12,2), ...), when known. */
  readonly columnType?: string;
  /** Character set of a text column, when known. */
  readonly charset?: string | undefined;
  /** Generated columns are never written, so e_set may not target them. */
  readonly generated?: boolean;
  /** NOT NULL columns are false; unknown counts as nullable. */
  readonly nullable?: boolean;
}

/** The table a script is compiled for. */
export interface EtlTable {
  readonly database: string;
  readonly table: string;
  /** The source columns: what rows carry and the script may read and set. */
  readonly columns: readonly EtlColumn[];
  /** Destination-only columns (etl.addColumns) e_set may fill; present in every output row. */
  readonly addedColumns?: readonly EtlColumn[];
  /** Key columns, named with their values in runtime errors. */
  readonly key?: readonly string[];
}

export interface EtlOptions {
  /** Zone of dt_now, __COMMIT_TIMESTAMP__ and the epoch conversions: UTC (default), +08:00, Asia/Shanghai. */
  readonly timeZone?: string;
  /** dt_now's clock, epoch ms (default Date.now). */
  readonly now?: () => number;
  /** Longest text a regular expression may read (default 65536 characters). */
  readonly regexInputLimit?: number;
}

/** What the pipeline knows of the row change being transformed. */
export interface EtlRowContext {
  readonly operation: "insert" | "update" | "delete";
  /** Source commit time, epoch ms (the task start in full load). */
  readonly commitTimestamp: number;
  /**
   * The caller never reads the row again (a snapshot row of the full load): the script writes
   * into it instead of into a copy.
   */
  readonly rowIsDisposable?: boolean;
}

/** A script compiled for one table: closures only, no parsing per row. */
export interface CompiledEtl {
  readonly database: string;
  readonly table: string;
  /** Every column the script can set for this table, in script order (source and added). */
  readonly writes: readonly string[];
  /** The written columns that are destination-only: present (NULL when not set) in every output row. */
  readonly addedColumns: readonly string[];
  /** Some path of the script drops rows of this table. */
  readonly canDrop: boolean;
  /** The script never changes nor drops rows of this table (transform returns its input). */
  readonly passThrough: boolean;
  /**
   * The row as the destination must receive it, or null when the script dropped it. The input is
   * never modified. Throws EtlRuntimeError when a function fails on this row.
   */
  transform(row: Row, context: EtlRowContext): Row | null;
  /**
   * The script as SQL over the source table for full-load rows (see pushdown.ts), or undefined
   * when part of it has no exact SQL form.
   */
  snapshotSql(request: SnapshotSqlRequest): SnapshotSql | undefined;
}

/** What the copy needs the SQL translation to produce, and how it renders fields. */
export interface SnapshotSqlRequest {
  /** The full load's commit timestamp (epoch ms). */
  readonly commitTimestamp: number;
  /** The columns of each output line, in order (source columns and etl.addColumns). */
  readonly written: readonly { name: string; dataType: string }[];
  /** A source column the script leaves as it is, as the field the JS path sends. */
  untouchedField(column: string, dataType: string): string;
  /** The field of a computed value (SQL of a number, or of utf8mb4 text when `text`; NULL only when `nullable`). */
  computedField(sql: string, text: boolean, nullable: boolean): string;
  /** A row value as the field the JS path sends (for constants the JS writer rendered). */
  fieldOf(dataType: string, value: unknown): string;
}

/** Full-load rows computed by the source: the line, the rows dropped, the rows SQL computes exactly. */
export interface SnapshotSql {
  /** SELECT expression of one LOAD DATA line (utf8mb4 text, hex for binary types), newline included, of the written columns not in `constants`. */
  readonly line: string;
  /** Condition (never NULL) of the rows the script drops, when it can drop. */
  readonly drop: string | undefined;
  /** Condition (never NULL) of the rows whose line is exact; the others go through JS. */
  readonly guard: string | undefined;
  /**
   * Written columns left out of the line because every row has the same value there (a constant
   * e_set, an added column the script never sets): the LOAD DATA field the JS path would send.
   */
  readonly constants: readonly { column: string; field: string }[];
}

export const DEFAULT_REGEX_INPUT_LIMIT = 65_536;

/** Options, resolved once per compilation. */
export interface Settings {
  zone: TimeZone;
  now: () => number;
  regexInputLimit: number;
}

export function settingsOf(options: EtlOptions): Settings {
  const zoneName = options.timeZone ?? "UTC";
  const zone = parseTimeZone(zoneName);
  if (!zone)
    throw new SpecError(
      `unknown time zone "${zoneName}" for the ETL script: use UTC, an offset such as +08:00, or a name such as Asia/Shanghai`,
    );
  const limit = options.regexInputLimit ?? DEFAULT_REGEX_INPUT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`regexInputLimit must be a positive integer`);
  return { zone, now: options.now ?? Date.now, regexInputLimit: limit };
}
