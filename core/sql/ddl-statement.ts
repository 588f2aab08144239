import { identifierOf, isWord, type Token, TokenError, tokenize } from "./tokens.ts";

/**
 * What a replicated DDL statement is and every table it names, read from its tokens (never by a
 * text search, so names in strings and comments are not names, and none is missed).
 */
export type DdlKind =
  | "alter-table"
  | "create-table"
  | "drop-table"
  | "rename-table"
  | "truncate-table"
  | "create-index"
  | "drop-index"
  | "drop-database"
  | "other";

/** How the statement uses a table it names. */
export type TableRole =
  /** The table the statement changes (ALTER, CREATE, DROP, TRUNCATE, the index's table). */
  | "subject"
  /** The new name of a renamed table (RENAME TABLE ... TO, ALTER TABLE ... RENAME TO). */
  | "rename-to"
  /** A table whose rows move with the statement (EXCHANGE PARTITION ... WITH TABLE, CONVERT ... TABLE). */
  | "exchange"
  /** A table read for its definition (CREATE TABLE ... LIKE) or rows (CREATE TABLE ... SELECT, MERGE UNION). */
  | "copy-from"
  /** The parent table of a foreign key. */
  | "references";

export interface TableReference {
  database: string;
  table: string;
  role: TableRole;
  /** Offsets of the whole reference (`db`.`t` or t) in the statement text. */
  start: number;
  end: number;
  /** The reference is inside an executable comment. */
  executable: boolean;
}

export interface DdlStatement {
  kind: DdlKind;
  /** Every table the statement names, in text order. */
  tables: TableReference[];
  /** DROP DATABASE: the database dropped. */
  database?: string;
  /** TEMPORARY tables live in one session and never hold replicated rows. */
  temporary: boolean;
  /** The statement said IF EXISTS / IF NOT EXISTS about its subject. */
  ifExists?: boolean;
  /** CREATE TABLE ... SELECT (rows come with the statement); any SELECT in the statement counts. */
  selects: boolean;
  /** The tokens, for checks of clauses (table options). */
  tokens: Token[];
}

export class DdlParseError extends Error {}

class Reader {
  i = 0;
  constructor(
    readonly tokens: Token[],
    readonly text: string,
    readonly defaultDb: string,
  ) {}
  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }
  isWord(...words: string[]): boolean {
    const t = this.peek();
    return t?.kind === "word" && words.includes(t.value);
  }
  accept(...words: string[]): boolean {
    if (!this.isWord(...words)) return false;
    this.i++;
    return true;
  }
  acceptPunct(value: string): boolean {
    const t = this.peek();
    if (t?.kind !== "punct" || t.value !== value) return false;
    this.i++;
    return true;
  }
  /** `name` or `db.name` at the cursor. */
  name(role: TableRole): TableReference {
    const first = this.peek();
    const firstName = identifierOf(first, this.text);
    if (!first || firstName === undefined)
      throw new DdlParseError(`expected a table name at offset ${first?.start ?? this.text.length}`);
    this.i++;
    let database = this.defaultDb;
    let table = firstName;
    let last = first;
    const dot = this.peek();
    if (dot?.kind === "punct" && dot.value === ".") {
      const second = this.peek(1);
      const secondName = identifierOf(second, this.text);
      if (!second || secondName === undefined)
        throw new DdlParseError(`expected a table name after '.' at offset ${dot.end}`);
      database = firstName;
      table = secondName;
      last = second;
      this.i += 2;
    }
    if (database === "")
      throw new DdlParseError(`table ${table} has no database and the statement ran without a default one`);
    return { database, table, role, start: first.start, end: last.end, executable: first.executable };
  }
  /** `IF EXISTS` or `IF NOT EXISTS` at the cursor. */
  ifExists(not: boolean): boolean {
    const words = not ? ["IF", "NOT", "EXISTS"] : ["IF", "EXISTS"];
    if (!words.every((w, k) => isWord(this.peek(k), w))) return false;
    this.i += words.length;
    return true;
  }
  /** Nothing but a closing `;` may follow. */
  end(): void {
    this.acceptPunct(";");
    const rest = this.peek();
    if (rest) throw new DdlParseError(`unexpected ${rest.value} at offset ${rest.start}`);
  }
  /** Skips MariaDB's `WAIT n` / `NOWAIT`. */
  skipWait(): void {
    if (this.accept("NOWAIT")) return;
    if (this.isWord("WAIT") && this.peek(1)?.kind === "number") this.i += 2;
  }
}

const INDEX_PREFIX = ["ONLINE", "OFFLINE", "UNIQUE", "FULLTEXT", "SPATIAL"];

/** Reads a statement's kind and table references; throws DdlParseError when a table DDL does not read. */
export function parseDdl(text: string, defaultDb: string): DdlStatement {
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    // Text that does not read may hide table DDL anywhere (after a comment, in an executable one):
    // only a statement that names no table, index or database is let go.
    if (/\b(?:TABLES?|INDEX|KEY|DATABASE|SCHEMA)\b/i.test(text)) throw new DdlParseError(error.message);
    return { kind: "other", tables: [], temporary: false, selects: false, tokens: [] };
  }
  const r = new Reader(tokens, text, defaultDb);
  const statement: DdlStatement = { kind: "other", tables: [], temporary: false, selects: false, tokens };
  const statementEnd = tokens.findIndex((t) => t.kind === "punct" && t.value === ";");
  if (statementEnd >= 0 && statementEnd < tokens.length - 1)
    throw new DdlParseError("more than one statement in one binlog event");
  if (r.accept("ALTER")) {
    while (r.accept("ONLINE", "IGNORE", "OFFLINE")) {}
    if (!r.accept("TABLE")) return statement;
    statement.kind = "alter-table";
    statement.ifExists = r.ifExists(false);
    statement.tables.push(r.name("subject"));
    scanClauses(r, statement, "alter-table");
  } else if (r.accept("CREATE")) {
    if (r.isWord("OR") && r.peek(1)?.value === "REPLACE") r.i += 2;
    statement.temporary = r.accept("TEMPORARY");
    if (r.accept("TABLE")) {
      statement.kind = "create-table";
      statement.ifExists = r.ifExists(true);
      statement.tables.push(r.name("subject"));
      scanClauses(r, statement, "create-table");
    } else {
      while (r.accept(...INDEX_PREFIX)) {}
      if (!r.accept("INDEX", "KEY")) return statement;
      statement.kind = "create-index";
      indexTable(r, statement);
    }
  } else if (r.accept("DROP")) {
    statement.temporary = r.accept("TEMPORARY");
    if (r.accept("TABLE", "TABLES")) {
      statement.kind = "drop-table";
      statement.ifExists = r.ifExists(false);
      do statement.tables.push(r.name("subject"));
      while (r.acceptPunct(","));
      r.skipWait();
      r.accept("RESTRICT", "CASCADE");
      r.end();
    } else if (r.accept("DATABASE", "SCHEMA")) {
      statement.kind = "drop-database";
      statement.ifExists = r.ifExists(false);
      const name = identifierOf(r.peek(), text);
      if (name === undefined) throw new DdlParseError("expected a database name");
      statement.database = name;
    } else {
      while (r.accept("ONLINE", "OFFLINE")) {}
      if (!r.accept("INDEX", "KEY")) return statement;
      statement.kind = "drop-index";
      indexTable(r, statement);
    }
  } else if (r.accept("RENAME")) {
    if (!r.accept("TABLE", "TABLES")) return statement;
    statement.kind = "rename-table";
    statement.ifExists = r.ifExists(false);
    do {
      statement.tables.push(r.name("subject"));
      r.skipWait();
      if (!r.accept("TO")) throw new DdlParseError("expected TO in RENAME TABLE");
      statement.tables.push(r.name("rename-to"));
    } while (r.acceptPunct(","));
    r.end();
  } else if (r.accept("TRUNCATE")) {
    r.accept("TABLE");
    statement.kind = "truncate-table";
    statement.tables.push(r.name("subject"));
    r.skipWait();
    r.end();
  }
  return statement;
}

/** `[IF [NOT] EXISTS] name [USING type] ON table` of CREATE/DROP INDEX. */
function indexTable(r: Reader, statement: DdlStatement): void {
  while (r.i < r.tokens.length && !r.isWord("ON")) r.i++;
  if (!r.accept("ON")) throw new DdlParseError("expected ON <table> in an index statement");
  statement.tables.push(r.name("subject"));
  scanClauses(r, statement, "create-index");
}

/**
 * Reads the rest of an ALTER/CREATE statement for the clauses that name other tables: REFERENCES,
 * RENAME [TO|AS], EXCHANGE PARTITION ... WITH TABLE, CONVERT PARTITION ... TO TABLE,
 * CONVERT TABLE, LIKE (CREATE), UNION = (...), and a top-level SELECT.
 */
function scanClauses(r: Reader, statement: DdlStatement, kind: DdlKind): void {
  while (r.i < r.tokens.length) {
    const token = r.peek() as Token;
    if (token.kind !== "word") {
      r.i++;
      continue;
    }
    const word = token.value;
    r.i++;
    if (word === "REFERENCES") statement.tables.push(r.name("references"));
    else if (word === "TABLE") statement.tables.push(r.name("exchange"));
    else if (word === "RENAME" && kind === "alter-table" && atClauseStart(r, statement)) {
      if (r.accept("COLUMN", "INDEX", "KEY", "CONSTRAINT")) continue;
      r.accept("TO", "AS");
      statement.tables.push(r.name("rename-to"));
    } else if (word === "LIKE" && kind === "create-table" && atTableBody(r, token))
      statement.tables.push(r.name("copy-from"));
    else if (word === "UNION") {
      r.acceptPunct("=");
      if (!r.acceptPunct("(")) throw new DdlParseError("expected ( after UNION");
      do statement.tables.push(r.name("copy-from"));
      while (r.acceptPunct(","));
    } else if (word === "SELECT") statement.selects = true;
  }
}

/**
 * RENAME starts a clause right after the table's name or after a top-level comma; elsewhere it is a
 * column named rename (not a reserved word), as in ADD COLUMN rename INT.
 */
function atClauseStart(r: Reader, statement: DdlStatement): boolean {
  const before = r.tokens[r.i - 2];
  if (!before) return false;
  if (before.end === statement.tables[0]?.end) return true;
  return before.kind === "punct" && before.value === "," && before.depth === 0;
}

/** LIKE right after the new table's name, or right after its opening parenthesis: `(LIKE t)`. */
function atTableBody(r: Reader, like: Token): boolean {
  if (like.depth === 0) return true;
  const before = r.tokens[r.i - 2];
  return like.depth === 1 && before?.kind === "punct" && before.value === "(" && before.depth === 0;
}
