import type { SelectedTable } from "../spec/mapping.ts";
import { quoteQualified } from "../sql/identifiers.ts";

/**
 * Rewrites SHOW CREATE VIEW for the destination: no DEFINER (the destination account owns it),
 * CREATE OR REPLACE (idempotent), the view and the tables it reads renamed as mapped.
 */
export function rewriteView(
  showCreate: string,
  context: { database: string; view: string; target: string; tables: readonly SelectedTable[] },
): string {
  let sql = showCreate
    .replace(/^CREATE\s+/i, "CREATE OR REPLACE ")
    .replace(/\s+DEFINER=`(?:[^`]|``)*`@`(?:[^`]|``)*`/i, "");
  sql = sql.replace(
    ` VIEW ${quoteQualified(context.database, context.view).split(".")[1]}`,
    ` VIEW ${quoteQualified(context.target, context.view)}`,
  );
  for (const table of context.tables) {
    sql = sql.replaceAll(
      quoteQualified(table.source.database, table.source.table),
      quoteQualified(table.destination.database, table.destination.table),
    );
  }
  return sql.replaceAll(
    `\`${context.database.replaceAll("`", "``")}\`.`,
    `\`${context.target.replaceAll("`", "``")}\`.`,
  );
}
