import { FatalError } from "../errors.ts";
import type { SelectedTable } from "../spec/mapping.ts";
import { quoteIdentifier, quoteQualified } from "../sql/identifiers.ts";
import { checkTableOptions } from "../sql/table-options.ts";
import { type Token, TokenError, tokenize } from "../sql/tokens.ts";

/** A destination CREATE TABLE and what was left out of it (shown to the user). */
export interface TableDdl {
  sql: string;
  notes: string[];
  /** Non-unique indexes left for after the full load (`ADD KEY ...` clauses), when deferring. */
  deferredIndexes: { name: string; clause: string }[];
}

const COLUMN_LINE = /^ {2}`((?:[^`]|``)+)` (.*?)(,?)$/;
const INDEX_LINE =
  /^ {2}((?:PRIMARY|UNIQUE|FULLTEXT|SPATIAL) KEY|KEY|INDEX|UNIQUE INDEX)(?: `((?:[^`]|``)+)`)? \((.*)\)(.*?)(,?)$/;
const GENERATED = /\bGENERATED ALWAYS AS\b|\bAS \(.*\) (VIRTUAL|STORED|PERSISTENT)\b/i;

function unquote(name: string): string {
  return name.replaceAll("``", "`");
}

/**
 * Splits SHOW CREATE TABLE into its column list (the lines between the parentheses) and the text
 * after the closing parenthesis (table options and partitioning), found by tokens so that a
 * parenthesis in a name, comment or default value is not taken for it.
 */
function splitDefinition(showCreate: string, table: SelectedTable): { lines: string[]; options: string } {
  const cannotRead = (why: string): never => {
    throw new FatalError(
      `cannot read the definition of ${table.source.database}.${table.source.table} (${why}): ${showCreate.slice(0, 120)}`,
    );
  };
  let tokens: Token[] = [];
  try {
    tokens = tokenize(showCreate);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    cannotRead(error.message);
  }
  const isParen = (t: Token, value: string) => t.kind === "punct" && t.value === value && t.depth === 0;
  const open = tokens.find((t) => isParen(t, "("));
  const close = tokens.find((t) => isParen(t, ")") && open !== undefined && t.start > open.start);
  if (!open || !close) return cannotRead("no column list");
  const lines = showCreate
    .slice(open.end, close.start)
    .split("\n")
    .filter((line) => line.trim() !== "");
  return { lines, options: showCreate.slice(close.end) };
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = "";
  for (const ch of text) {
    if (ch === "`") quoted = !quoted;
    if (!quoted && ch === "(") depth++;
    if (!quoted && ch === ")") depth--;
    if (!quoted && depth === 0 && ch === ",") {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

/**
 * Rewrites the source's SHOW CREATE TABLE for the destination: mapped database, table and column
 * names, only the selected columns, indexes kept (those over dropped columns left out), charsets
 * and collations kept; foreign keys left out (they would reject rows copied in any order);
 * AUTO_INCREMENT counter left to the data.
 */
export function destinationCreateTable(
  showCreate: string,
  table: SelectedTable,
  ifNotExists: boolean,
  deferSecondary = false,
): TableDdl {
  const { lines, options: optionsText } = splitDefinition(showCreate, table);
  const rename = new Map(table.columns.map((c) => [c.source, c.destination]));
  const renamedOrDropped = (name: string) => rename.get(name) !== name;
  const notes: string[] = [];
  const body: string[] = [];
  const deferredIndexes: TableDdl["deferredIndexes"] = [];
  let autoIncrement: string | undefined;
  let tableChanged = false;

  for (const line of lines) {
    const column = COLUMN_LINE.exec(line);
    if (column) {
      const name = unquote(column[1] ?? "");
      const destination = rename.get(name);
      if (destination === undefined) {
        tableChanged = true;
        continue;
      }
      if (destination !== name) tableChanged = true;
      if (GENERATED.test(column[2] ?? "") && table.columns.some((c) => renamedOrDropped(c.source))) {
        throw new FatalError(
          `${table.source.database}.${table.source.table}.${name} is a generated column; renaming or leaving out columns of this table is not supported: select all its columns unrenamed`,
        );
      }
      if (/\bAUTO_INCREMENT\b/i.test(column[2] ?? "")) autoIncrement = quoteIdentifier(destination);
      body.push(`  ${quoteIdentifier(destination)} ${column[2]}`);
      continue;
    }
    const index = INDEX_LINE.exec(line);
    if (index) {
      const parts = splitTopLevel(index[3] ?? "").map((p) => p.trim());
      const mapped: string[] = [];
      let dropped = false;
      for (const part of parts) {
        const m = /^`((?:[^`]|``)+)`(.*)$/.exec(part);
        const destination = m ? rename.get(unquote(m[1] ?? "")) : undefined;
        if (!m || destination === undefined) {
          dropped = true;
          break;
        }
        mapped.push(`${quoteIdentifier(destination)}${m[2]}`);
      }
      const label = `${index[1]}${index[2] ? ` ${index[2]}` : ""}`;
      if (dropped) {
        notes.push(`${label} left out: it uses a column that is not migrated`);
        continue;
      }
      const clause = `${index[1]}${index[2] ? ` \`${index[2]}\`` : ""} (${mapped.join(",")})${index[4] ?? ""}`;
      // Secondary indexes are built once after the full load (a sorted build costs far less than
      // inserting into them row by row); an index the AUTO_INCREMENT column needs stays.
      const secondary = /^(KEY|INDEX|FULLTEXT KEY|SPATIAL KEY)$/.test(index[1] ?? "");
      const leadsWithAutoIncrement =
        autoIncrement !== undefined && (mapped[0] ?? "").startsWith(autoIncrement);
      if (deferSecondary && secondary && index[2] && !leadsWithAutoIncrement) {
        deferredIndexes.push({ name: unquote(index[2]), clause });
      } else body.push(`  ${clause}`);
      continue;
    }
    const trimmed = line.trim().replace(/,$/, "");
    if (/^CONSTRAINT .* FOREIGN KEY/i.test(trimmed) || /^FOREIGN KEY/i.test(trimmed)) {
      notes.push(`foreign key left out (${trimmed.slice(0, 80)}): DTS does not migrate foreign keys`);
      continue;
    }
    if (/^CONSTRAINT .* CHECK/i.test(trimmed) || /^CHECK/i.test(trimmed)) {
      if (tableChanged)
        notes.push(
          `check constraint left out because columns are renamed or left out: ${trimmed.slice(0, 80)}`,
        );
      else body.push(`  ${trimmed}`);
      continue;
    }
    throw new FatalError(
      `cannot translate this line of ${table.source.database}.${table.source.table}'s definition: ${trimmed.slice(0, 120)}`,
    );
  }
  // The AUTO_INCREMENT counter is left to the data; options that reach outside the destination
  // database (another server, files elsewhere, other tables) stop the migration.
  const options = checkTableOptions(optionsText, ["AUTO_INCREMENT"]);
  if (!options.ok) {
    throw new FatalError(
      `${table.source.database}.${table.source.table} cannot be created on the destination: ${options.problem}. DTS does not create tables that reach outside the destination database: leave the table out of objects, or create it on the destination yourself`,
    );
  }
  const name = quoteQualified(table.destination.database, table.destination.table);
  const create = `CREATE TABLE ${ifNotExists ? "IF NOT EXISTS " : ""}${name} (`;
  return { sql: [create, body.join(",\n"), `)${options.sql}`].join("\n"), notes, deferredIndexes };
}
