import { type Chunk, chunkId } from "#core/store/chunk-ledger.ts";

/** Chunk `index` of the first table of `task` as PlanChunks writes it: pending, nothing copied. */
export function plannedChunk(task: string, index: number, at: number, changes: Partial<Chunk> = {}): Chunk {
  return {
    task,
    id: chunkId(0, index),
    tableIndex: 0,
    table: "shop.t",
    lower: null,
    upper: null,
    estimatedRows: 10,
    state: "pending",
    rows: 0,
    attempts: 0,
    updatedAt: new Date(at).toISOString(),
    ...changes,
  };
}
