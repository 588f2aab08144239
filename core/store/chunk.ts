import type { KeyRange } from "../model/key-range.ts";

/** `failed`: its copy failed for good (a fatal error, or too many attempts); the task stops, a resume gives it back. */
export type ChunkState = "pending" | "copying" | "done" | "failed";

/** Why a chunk's last copy failed, recorded on the chunk (redacted, cut short). */
export interface ChunkError {
  message: string;
  /** When it failed (ISO 8601). */
  at: string;
  /** The attempt that failed. */
  attempt: number;
}

/** One chunk of the full load: a key range of one table and how far its copy got. */
export interface Chunk extends KeyRange {
  task: string;
  /** Sortable id: t<table index>#c<chunk index>. */
  id: string;
  tableIndex: number;
  /** Source table, database.table. */
  table: string;
  /** Rows in the range before the filter, counted while planning. */
  estimatedRows: number;
  state: ChunkState;
  /** Rows copied (progress while copying, final when done). */
  rows: number;
  /**
   * Claims so far. More than one means an earlier copy was interrupted: the range is copied again
   * whole over what it left (REPLACE or upsert, so the rows end the same; Kafka receives them again).
   * A resume that gives a failed chunk back starts its count again.
   */
  attempts: number;
  /** A chunk given back after a failed copy is not claimed again before this (ISO 8601): its backoff. */
  retryAt?: string;
  /** The last failed copy's error (kept once the chunk is done, for the record). */
  lastError?: ChunkError;
  /** The execution that holds the chunk while copying (and that copied it, once done). */
  execution?: string;
  /** The last write; while copying, the holder's heartbeat. */
  updatedAt: string;
}

export interface LedgerSummary {
  chunks: number;
  done: number;
  estimatedRows: number;
  rowsCopied: number;
  /** The same counts per source table, in plan order (none for a ledger planned before they were kept). */
  tables: TableProgress[];
}

/** One table's part of the full load. */
export interface TableProgress {
  /** Source table, database.table. */
  table: string;
  chunks: number;
  done: number;
  estimatedRows: number;
  rowsCopied: number;
}

/**
 * Where planning got to, kept in the plan record so a planner stopped at its deadline (or killed)
 * goes on from there: tables before `table` are planned whole; of `table`, chunks before `chunk`,
 * the last of them ending at `lower`.
 */
export interface PlanCursor {
  /** The plan these chunks belong to (service.ts planId: the selection, not the chunk sizes). */
  planId: string;
  /** The table being planned (its tableIndex); the number of tables once `done`. */
  table: number;
  /** The index of the table's next chunk. */
  chunk: number;
  /** Where the table's next chunk starts (exclusive): the last boundary reached; null at the table's start. */
  lower: string[] | null;
  /** Every table is planned. */
  done: boolean;
}

/** Every chunk id starts with this (the ledger's other item, the plan record, does not). */
export const CHUNK_IDS = "t";

/** The id of the plan record, the item beside a task's chunks that counts them (DynamoDB). */
export const PLAN_RECORD = "#plan";

/** Beside the plan record, one item per table counts that table's chunks (DynamoDB). */
export const TABLE_PLAN_PREFIX = `${PLAN_RECORD}#t`;

export function tablePlanId(tableIndex: number): string {
  return `${TABLE_PLAN_PREFIX}${String(tableIndex).padStart(5, "0")}`;
}

/** The table index and chunk index a chunk id carries. */
export function chunkIndexes(id: string): { table: number; chunk: number } {
  const match = /^t(\d+)#c(\d+)$/.exec(id);
  return { table: Number(match?.[1] ?? -1), chunk: Number(match?.[2] ?? -1) };
}

export function chunkId(tableIndex: number, index: number): string {
  return `${CHUNK_IDS}${String(tableIndex).padStart(5, "0")}#c${String(index).padStart(7, "0")}`;
}

export function summarize(chunks: readonly Chunk[]): LedgerSummary {
  const tables = new Map<number, TableProgress>();
  for (const c of [...chunks].sort((a, b) => a.tableIndex - b.tableIndex)) {
    const table = tables.get(c.tableIndex) ?? {
      table: c.table,
      chunks: 0,
      done: 0,
      estimatedRows: 0,
      rowsCopied: 0,
    };
    table.chunks += 1;
    table.done += c.state === "done" ? 1 : 0;
    table.estimatedRows += c.estimatedRows;
    table.rowsCopied += c.rows ?? 0;
    tables.set(c.tableIndex, table);
  }
  return {
    chunks: chunks.length,
    done: chunks.filter((c) => c.state === "done").length,
    estimatedRows: chunks.reduce((n, c) => n + c.estimatedRows, 0),
    rowsCopied: chunks.reduce((n, c) => n + (c.rows ?? 0), 0),
    tables: [...tables.values()],
  };
}
