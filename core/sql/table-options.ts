import { identifierOf, isPunct, type Token, TokenError, tokenize } from "./tokens.ts";

/**
 * The table options DTS creates on a destination. A table whose definition would reach outside
 * the destination database is refused: another server (CONNECTION, FEDERATED, CONNECT, SPIDER),
 * files elsewhere (DATA DIRECTORY, INDEX DIRECTORY, CONNECT's file tables), other tables (MERGE's
 * UNION) or a tablespace DTS does not create. This is an allow-list: an engine or option not
 * named here is refused too, with its name in the problem.
 *
 * Engines: InnoDB, MyISAM, Aria, MEMORY and ROCKSDB keep their data in the destination's own
 * data directory and take the keyed upserts and deletes DTS writes (HEAP is MEMORY's old name).
 * ARCHIVE, CSV and BLACKHOLE stay local too but cannot take them, so they are refused as well.
 */
export const SAFE_ENGINES: readonly string[] = ["InnoDB", "MyISAM", "Aria", "MEMORY", "ROCKSDB"];
/** The safe engines' names, upper-cased, with MEMORY's old name HEAP. */
export const SAFE_ENGINE_NAMES: ReadonlySet<string> = new Set(
  [...SAFE_ENGINES, "HEAP"].map((e) => e.toUpperCase()),
);

/** Table-level options that only shape the table itself (charset, storage format, statistics, counters). */
const SAFE_TABLE_OPTIONS = new Set([
  "ENGINE",
  ...["CHARSET", "CHARACTER SET", "DEFAULT CHARSET", "DEFAULT CHARACTER SET", "COLLATE", "DEFAULT COLLATE"],
  ...["COMMENT", "AUTO_INCREMENT", "AVG_ROW_LENGTH", "MAX_ROWS", "MIN_ROWS", "ROW_FORMAT", "KEY_BLOCK_SIZE"],
  ...["CHECKSUM", "TABLE_CHECKSUM", "PAGE_CHECKSUM", "DELAY_KEY_WRITE", "PACK_KEYS", "TRANSACTIONAL"],
  ...["STATS_AUTO_RECALC", "STATS_PERSISTENT", "STATS_SAMPLE_PAGES", "AUTOEXTEND_SIZE"],
  ...["PAGE_COMPRESSED", "PAGE_COMPRESSION_LEVEL", "COMPRESSION"],
  ...["ENCRYPTED", "ENCRYPTION", "ENCRYPTION_KEY_ID", "WITH SYSTEM VERSIONING"],
]);
/** Options of a PARTITION or SUBPARTITION definition. */
const SAFE_PARTITION_OPTIONS = new Set(["ENGINE", "COMMENT", "MAX_ROWS", "MIN_ROWS"]);

/** Options refused whatever their value, with why. */
export const REASONS: Readonly<Record<string, string>> = {
  CONNECTION: "the table would read and write another server",
  "DATA DIRECTORY": "its files would be written outside the destination's data directory",
  "INDEX DIRECTORY": "its files would be written outside the destination's data directory",
  UNION: "the table would read and write tables of other databases",
  INSERT_METHOD: "it belongs to MERGE tables, which read and write other tables",
  TABLESPACE: "the table would be placed in a tablespace DTS does not create",
};

/** Option names of more than one word ("STORAGE ENGINE" is read as ENGINE). */
const MULTIWORD = [
  ["DEFAULT", "CHARACTER", "SET"],
  ["DEFAULT", "CHARSET"],
  ["DEFAULT", "COLLATE"],
  ["CHARACTER", "SET"],
  ["DATA", "DIRECTORY"],
  ["INDEX", "DIRECTORY"],
  ["STORAGE", "ENGINE"],
  ["WITH", "SYSTEM", "VERSIONING"],
];
const WITHOUT_VALUE = new Set(["WITH SYSTEM VERSIONING"]);

/** Words of `PARTITION BY ...` outside its parentheses (types, counts, MariaDB's SYSTEM_TIME intervals). */
const PARTITIONING_WORDS = new Set([
  ...["BY", "LINEAR", "HASH", "KEY", "ALGORITHM", "RANGE", "LIST", "COLUMNS", "PARTITIONS", "SUBPARTITION"],
  ...["SUBPARTITIONS", "SYSTEM_TIME", "INTERVAL", "LIMIT", "STARTS", "AUTO", "TIMESTAMP"],
  ...["MICROSECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"],
]);

/** One table option as written. */
export interface TableOption {
  /** Upper case, words separated by one space: "ENGINE", "DATA DIRECTORY", "DEFAULT CHARSET". */
  name: string;
  /** The value: a string's or quoted name's content, anything else as written ("" when it takes none). */
  value: string;
  /** Set for options of a partition definition: "partition p0", "subpartition s1". */
  partition?: string;
  /** Offsets of the option (name to value) in the text it was read from. */
  start: number;
  end: number;
}

/** The table options cannot be read (an unexpected token): nothing is created from them. */
export class TableOptionsError extends Error {}

/** The options after a table's column list are safe to create (`sql`, omitted options removed), or not. */
export type CheckedTableOptions =
  | { ok: true; sql: string; options: TableOption[] }
  | { ok: false; problem: string };

class OptionReader {
  i = 0;
  constructor(
    readonly tokens: readonly Token[],
    readonly text: string,
  ) {}

  word(offset = 0): string | undefined {
    const token = this.tokens[this.i + offset];
    return token?.kind === "word" ? token.value : undefined;
  }

  fail(problem: string): never {
    const at = this.tokens[this.i]?.start ?? this.text.length;
    throw new TableOptionsError(`${problem} at offset ${at}`);
  }

  /** Index after the parenthesised group that starts at the cursor. */
  groupEnd(): number {
    let depth = 0;
    for (let k = this.i; k < this.tokens.length; k++) {
      if (isPunct(this.tokens[k], "(")) depth++;
      if (isPunct(this.tokens[k], ")") && --depth === 0) return k + 1;
    }
    return this.fail("unbalanced parentheses");
  }

  /** `name [=] value`, or a name that takes no value. */
  option(partition: string | undefined): TableOption {
    const first = this.tokens[this.i];
    if (!first) return this.fail("expected a table option");
    let name = MULTIWORD.find((words) => words.every((w, k) => this.word(k) === w))?.join(" ");
    if (name) this.i += name.split(" ").length;
    else if (first.kind === "word" || first.kind === "quoted") {
      name = first.kind === "word" ? first.value : `\`${first.value}\``;
      this.i++;
    } else return this.fail("expected a table option");
    if (name === "STORAGE ENGINE") name = "ENGINE";
    const where = partition === undefined ? {} : { partition };
    if (WITHOUT_VALUE.has(name)) {
      return {
        name,
        value: "",
        ...where,
        start: first.start,
        end: this.tokens[this.i - 1]?.end ?? first.end,
      };
    }
    if (isPunct(this.tokens[this.i], "=")) this.i++;
    const value = this.tokens[this.i];
    if (value && isPunct(value, "(")) {
      this.i = this.groupEnd();
      const last = this.tokens[this.i - 1] as Token;
      return {
        name,
        value: this.text.slice(value.start, last.end),
        ...where,
        start: first.start,
        end: last.end,
      };
    }
    if (!value || value.kind === "punct") return this.fail(`expected a value for ${name}`);
    this.i++;
    const text =
      value.kind === "string" || value.kind === "quoted"
        ? value.value
        : this.text.slice(value.start, value.end);
    return { name, value: text, ...where, start: first.start, end: value.end };
  }

  /** `PARTITION BY ...`: its words are allow-listed; every partition's options are read. */
  partitioning(options: TableOption[]): void {
    this.i += 2;
    while (this.i < this.tokens.length) {
      const token = this.tokens[this.i] as Token;
      if (isPunct(token, "(")) {
        if (this.word(1) === "PARTITION") this.definitions(options, "PARTITION");
        else this.i = this.groupEnd(); // the partitioning expression or column list
      } else if (
        (token.kind === "word" && PARTITIONING_WORDS.has(token.value)) ||
        token.kind === "number" ||
        token.kind === "string" ||
        isPunct(token, "=")
      )
        this.i++;
      else this.fail("unexpected text in PARTITION BY");
    }
  }

  /** `(PARTITION p [VALUES ...] options [(SUBPARTITION ...)], ...)` */
  definitions(options: TableOption[], kind: "PARTITION" | "SUBPARTITION"): void {
    const end = this.groupEnd();
    this.i++;
    while (this.i < end - 1) {
      if (this.word() !== kind) this.fail(`expected ${kind}`);
      this.i++;
      const name = identifierOf(this.tokens[this.i], this.text);
      if (name === undefined) this.fail(`expected the name of the ${kind.toLowerCase()}`);
      this.i++;
      if (this.word() === "VALUES") {
        this.i++;
        if (this.word() === "LESS" && this.word(1) === "THAN") this.i += 2;
        else if (this.word() === "IN") this.i++;
        else this.fail("expected LESS THAN or IN");
        if (this.word() === "MAXVALUE") this.i++;
        else if (isPunct(this.tokens[this.i], "(")) this.i = this.groupEnd();
        else this.fail("expected the partition's values");
      } else if (this.word() === "HISTORY" || this.word() === "CURRENT") this.i++;
      while (this.i < end - 1 && !isPunct(this.tokens[this.i], ",")) {
        if (kind === "PARTITION" && isPunct(this.tokens[this.i], "(") && this.word(1) === "SUBPARTITION")
          this.definitions(options, "SUBPARTITION");
        else options.push(this.option(`${kind.toLowerCase()} ${name}`));
      }
      if (isPunct(this.tokens[this.i], ",")) this.i++;
    }
    if (this.i !== end - 1) this.fail(`unexpected text in the ${kind.toLowerCase()} definitions`);
    this.i = end;
  }
}

/**
 * Reads table options from tokens of `text` (from core/sql/tokens.ts): the part of a CREATE TABLE
 * after its column list, or the table options of an ALTER TABLE. Options may be separated by
 * spaces or commas and may end with a PARTITION BY clause, whose partition and subpartition
 * options are returned with `partition` set. Throws TableOptionsError on anything else.
 */
export function readTableOptions(tokens: readonly Token[], text: string): TableOption[] {
  const reader = new OptionReader(tokens, text);
  const options: TableOption[] = [];
  while (reader.i < tokens.length) {
    if (isPunct(tokens[reader.i], ",")) reader.i++;
    else if (reader.word() === "PARTITION" && reader.word(1) === "BY") reader.partitioning(options);
    else options.push(reader.option(undefined));
  }
  return options;
}

function short(text: string): string {
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

/**
 * Why these options must not be created on the destination, or undefined when they may. Values
 * are never quoted in the problem (a CONNECTION string holds a password), except an engine's name.
 */
export function tableOptionProblem(
  options: readonly Pick<TableOption, "name" | "value" | "partition">[],
): string | undefined {
  for (const option of options) {
    const where = option.partition ? ` of ${option.partition}` : "";
    const name = option.name.toUpperCase();
    if (name === "ENGINE" || name === "STORAGE ENGINE") {
      if (SAFE_ENGINE_NAMES.has(option.value.toUpperCase())) continue;
      return `ENGINE=${short(option.value)}${where}: DTS creates ${SAFE_ENGINES.join(", ")} tables only (other engines can reach other servers, files or databases)`;
    }
    const allowed = option.partition ? SAFE_PARTITION_OPTIONS : SAFE_TABLE_OPTIONS;
    if (!allowed.has(name)) {
      return `${short(option.name)}${where}: ${REASONS[name] ?? "not an option DTS creates tables with"}`;
    }
  }
  return undefined;
}

/**
 * Reads and checks the text after a CREATE TABLE's column list (as SHOW CREATE TABLE prints it,
 * partitioning included). When safe, returns that text with the options named in `omit` (e.g.
 * AUTO_INCREMENT) removed; otherwise the problem.
 */
export function checkTableOptions(text: string, omit: readonly string[] = []): CheckedTableOptions {
  let options: TableOption[];
  try {
    options = readTableOptions(tokenize(text), text);
  } catch (error) {
    if (!(error instanceof TokenError || error instanceof TableOptionsError)) throw error;
    return { ok: false, problem: `its table options cannot be read (${error.message})` };
  }
  const problem = tableOptionProblem(options);
  if (problem) return { ok: false, problem };
  let sql = text;
  const removed = options.filter((o) => o.partition === undefined && omit.includes(o.name));
  for (const option of removed.reverse()) {
    let start = option.start;
    let end = option.end;
    while (start > 0 && /\s/.test(sql[start - 1] ?? "")) start--;
    if (sql[start - 1] === ",") start--;
    else {
      let after = end;
      while (/\s/.test(sql[after] ?? "")) after++;
      if (sql[after] === ",") end = after + 1;
    }
    sql = sql.slice(0, start) + sql.slice(end);
  }
  return { ok: true, sql, options };
}
