import type { KeyRange } from "../model/key-range.ts";

export type ChunkState = "pending" | "copying" | "done";

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
   */
  attempts: number;
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
}

/** Every chunk id starts with this (the ledger's other item, the plan record, does not). */
export const CHUNK_IDS = "t";

/** The id of the plan record, the item beside a task's chunks that counts them (DynamoDB). */
export const PLAN_RECORD = "#plan";

export function chunkId(tableIndex: number, index: number): string {
  return `${CHUNK_IDS}${String(tableIndex).padStart(5, "0")}#c${String(index).padStart(7, "0")}`;
}

export function summarize(chunks: readonly Chunk[]): LedgerSummary {
  return {
    chunks: chunks.length,
    done: chunks.filter((c) => c.state === "done").length,
    estimatedRows: chunks.reduce((n, c) => n + c.estimatedRows, 0),
    rowsCopied: chunks.reduce((n, c) => n + (c.rows ?? 0), 0),
  };
}
