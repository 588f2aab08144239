import type { Connection, ResultSetHeader } from "mysql2/promise";
import { FatalError } from "../../errors.ts";
import type { Row } from "../../model/row.ts";
import type { TableRoute } from "../../pipeline/table-route.ts";
import { quoteIdentifier, quoteQualified } from "../../sql/identifiers.ts";
import { insertInto, onDuplicateKey } from "../../sql/upsert.ts";
import { sqlValue } from "../../sql/values.ts";
import type { DestinationChange } from "./changes.ts";
import { valueWarnings } from "./warnings.ts";

function destinationTable(route: TableRoute): string {
  return quoteQualified(route.destination.database, route.destination.table);
}

/**
 * The selected columns this row image has. The image carries the columns of the table as it was
 * when the row was written (binlog_row_metadata=FULL), which is what the destination has at that
 * point of the stream, even when the source's current definition has moved on.
 */
function writtenColumns(route: TableRoute, row: Row) {
  return route.selected.columns.filter((c) => !route.generated.has(c.source) && Object.hasOwn(row, c.source));
}

function tuple(route: TableRoute, row: Row, columns: ReturnType<typeof writtenColumns>): string {
  return `(${columns.map((c) => sqlValue(row[c.source], route.types.get(c.source) ?? "")).join(",")})`;
}

function columnSignature(change: DestinationChange): string {
  return change.kind === "upsert" ? Object.keys(change.row).join(",") : "";
}

/** The row's key as a SQL tuple literal: one text per key value, as the destination compares it. */
export function keyLiteral(route: TableRoute, row: Row): string {
  return `(${route.key.map((k) => sqlValue(row[k], route.types.get(k) ?? "")).join(",")})`;
}

function destinationKey(route: TableRoute): string[] {
  return route.keyNames.map(quoteIdentifier);
}

function upsertStatement(route: TableRoute, rows: Row[]): string {
  const written = writtenColumns(route, rows[0] ?? {});
  const columns = written.map((c) => quoteIdentifier(c.destination));
  const values = rows.map((row) => tuple(route, row, written)).join(",");
  return (
    insertInto(destinationTable(route), columns) + values + onDuplicateKey(columns, destinationKey(route))
  );
}

function deleteStatement(route: TableRoute, rows: Row[]): string {
  return `DELETE FROM ${destinationTable(route)} WHERE (${destinationKey(route).join(", ")}) IN (${rows
    .map((row) => keyLiteral(route, row))
    .join(",")})`;
}

/**
 * The statements that apply changes in order: consecutive changes of the same kind to the same
 * table share one multi-row statement (an upsert of the full after image, or a delete by key).
 * Built one at a time, so the next is built while the destination runs the last.
 */
export function* statementsOf(changes: readonly DestinationChange[], maxRows = 1000): Generator<string> {
  let group: DestinationChange[] = [];
  for (const change of changes) {
    const first = group[0];
    if (
      first &&
      (first.kind !== change.kind ||
        first.route !== change.route ||
        columnSignature(first) !== columnSignature(change) ||
        group.length >= maxRows)
    ) {
      yield statementOf(group);
      group = [];
    }
    group.push(change);
  }
  if (group.length > 0) yield statementOf(group);
}

function statementOf(group: DestinationChange[]): string {
  const first = group[0] as DestinationChange;
  const rows = group.map((c) => c.row);
  return first.kind === "upsert" ? upsertStatement(first.route, rows) : deleteStatement(first.route, rows);
}

export function applyStatements(changes: readonly DestinationChange[], maxRows = 1000): string[] {
  return [...statementsOf(changes, maxRows)];
}

/**
 * Applies changes of one or more source transactions in one destination transaction. Each
 * statement is sent as soon as the last one's answer is in, and the one after it is built while
 * the destination runs it: the destination does not wait for us to build, nor we for it.
 */
export async function applyChanges(
  destination: Connection,
  changes: readonly DestinationChange[],
): Promise<void> {
  const statements = statementsOf(changes);
  let next = statements.next();
  if (next.done) return;
  let running: Promise<unknown> = destination.query("START TRANSACTION");
  try {
    while (!next.done) {
      const statement = next.value;
      await running;
      running = destination.query(statement).then(async ([result]) => {
        if ((result as ResultSetHeader).warningStatus > 0) await stopOnValueWarnings(destination, statement);
      });
      next = statements.next();
    }
    await running;
    await destination.query("COMMIT");
  } catch (error) {
    await running.catch(() => undefined);
    await destination.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** A change the destination could only store altered (see valueWarnings) is rolled back and stops the task. */
async function stopOnValueWarnings(destination: Connection, statement: string): Promise<void> {
  const messages = await valueWarnings(destination);
  if (messages.length === 0) return;
  const table = /^(?:INSERT INTO|DELETE FROM) (\S+)/.exec(statement)?.[1] ?? "the destination";
  throw new FatalError(
    `applying changes to ${table} gave warnings, so some values would not arrive exactly: ${messages.slice(0, 3).join("; ")}. ` +
      "Make the destination column able to hold the source's values (type, length, character set) and start the task again; the changes are applied again from the last checkpoint.",
    { details: messages },
  );
}
