import type { Connection, RowDataPacket } from "mysql2/promise";
import { quoteQualified } from "../sql/identifiers.ts";
import type { SchemaOutcome } from "../store/task-store.ts";

type DeferredIndexes = NonNullable<SchemaOutcome["deferredIndexes"]>;
type TableIndexes = DeferredIndexes[number];

export interface IndexBuild {
  /** Indexes this call added (a build it waited for counts where it finished). */
  built: number;
  /** Tables not done at the deadline (a build left running on the destination, or not started): call again. */
  pending: string[];
}

/** How often a build another call started is looked at. */
const POLL_MS = 1000;

/**
 * Builds the secondary indexes schema migration left for after the full load, one ALTER TABLE per
 * table (InnoDB sorts and builds them in one pass), several tables at once: one build runs on one
 * destination thread, so a task of many tables would otherwise leave the other cores idle.
 *
 * Idempotent, and safe to cut short: indexes that exist are skipped, and at `deadline` (a Lambda's
 * time running out) a build in progress is left running on the destination with its connection
 * open (MariaDB 10.11 finishes a build whose client has gone, but drops one still waiting for a
 * metadata lock). The next call finds it in the process list and waits for it instead of starting
 * it twice; a build that failed meanwhile is started again, and fails with the server's words.
 * Without a deadline every build is waited for.
 */
export async function buildDeferredIndexes(
  openDestination: () => Promise<Connection>,
  deferred: DeferredIndexes,
  parallelism: number,
  deadline?: number,
): Promise<IndexBuild> {
  const queue = [...deferred];
  const outcome: IndexBuild = { built: 0, pending: [] };
  const worker = async () => {
    let destination: Connection | undefined;
    try {
      for (let next = queue.shift(); next; next = queue.shift()) {
        if (deadline !== undefined && Date.now() >= deadline) {
          outcome.pending.push(next.table); // no build starts that this call cannot see end
          continue;
        }
        destination ??= await openDestination();
        const result = await buildTable(destination, next, deadline);
        outcome.built += result.added;
        if (result.pending) outcome.pending.push(next.table);
        if (result.connectionBusy) {
          // The build keeps its connection: a build still waiting for a metadata lock is dropped
          // by the server when its client disconnects. The connection closes when the build ends.
          const busy = destination;
          void result.connectionBusy.finally(() => busy.end().catch(() => undefined));
          destination = undefined;
        }
      }
    } finally {
      await destination?.end().catch(() => undefined);
    }
  };
  const workers = Math.max(1, Math.min(parallelism, queue.length));
  const results = await Promise.allSettled(Array.from({ length: workers }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  outcome.pending.sort();
  return outcome;
}

interface TableBuild {
  added: number;
  /** The build was still running at the deadline (started here or by an earlier call). */
  pending?: boolean;
  /** A build started here and left running: it ends when this settles. */
  connectionBusy?: Promise<unknown>;
}

async function buildTable(
  destination: Connection,
  { table, indexes, ...names }: TableIndexes,
  deadline: number | undefined,
): Promise<TableBuild> {
  // Records written before the names were stored carry only "db.table".
  const dot = table.indexOf(".");
  const database = names.database ?? table.slice(0, dot);
  const name = names.name ?? table.slice(dot + 1);
  const missing = await missingIndexes(destination, database, name, indexes);
  if (missing.length === 0) return { added: 0 };
  const statement = `ALTER TABLE ${quoteQualified(database, name)} ${missing.map((i) => `ADD ${i.clause}`).join(", ")}`;

  const earlier = await runningThread(destination, statement);
  if (earlier !== undefined) {
    if (!(await threadEnded(destination, earlier, statement, deadline))) return { added: 0, pending: true };
    // It ended: its indexes exist now, or it failed and the build below reports why.
    const stillMissing = await missingIndexes(destination, database, name, indexes);
    if (stillMissing.length === 0) return { added: missing.length };
  }

  const build = destination.query(statement).then(() => true);
  if (deadline === undefined) {
    await build;
    return { added: missing.length };
  }
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    if (await Promise.race([build, timeUp])) return { added: missing.length };
    // The next call finds the build, or its absence, on the server.
    return { added: 0, pending: true, connectionBusy: build.catch(() => undefined) };
  } finally {
    clearTimeout(timer);
  }
}

async function missingIndexes(
  destination: Connection,
  database: string,
  table: string,
  indexes: TableIndexes["indexes"],
): Promise<TableIndexes["indexes"]> {
  const [rows] = await destination.query<RowDataPacket[]>(
    "SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
    [database, table],
  );
  const existing = new Set(rows.map((r) => String(r.name)));
  return indexes.filter((i) => !existing.has(i.name));
}

/** The thread running exactly this statement (an earlier call's build), if any. */
async function runningThread(destination: Connection, statement: string): Promise<number | undefined> {
  const [rows] = await destination.query<RowDataPacket[]>(
    "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO = ? AND ID <> CONNECTION_ID()",
    [statement],
  );
  return rows[0] === undefined ? undefined : Number(rows[0].id);
}

/** Waits for that thread to leave the statement; false when the deadline came first. */
async function threadEnded(
  destination: Connection,
  thread: number,
  statement: string,
  deadline: number | undefined,
): Promise<boolean> {
  for (;;) {
    const [rows] = await destination.query<RowDataPacket[]>(
      "SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ? AND INFO = ?",
      [thread, statement],
    );
    if (rows.length === 0) return true;
    if (deadline !== undefined && Date.now() + POLL_MS > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
