import { processConfig } from "../config.ts";
import { type CheckpointStore, DynamoCheckpointStore } from "./checkpoint-store.ts";
import { type ChunkLedger, DynamoChunkLedger } from "./chunk-ledger.ts";
import { DynamoTaskStore } from "./dynamo-task-store.ts";
import { documentClient, tableNames } from "./dynamodb.ts";
import type { TaskStore } from "./task-store.ts";

let store: TaskStore | undefined;
let ledger: ChunkLedger | undefined;
let checkpoints: CheckpointStore | undefined;

/** Checkpoints and leases for this process. */
export function defaultCheckpointStore(): CheckpointStore {
  checkpoints ??= new DynamoCheckpointStore(documentClient(), tableNames().checkpoints);
  return checkpoints;
}

/** The chunk ledger for this process. */
export function defaultChunkLedger(): ChunkLedger {
  ledger ??= new DynamoChunkLedger(documentClient(), tableNames().chunks, Date.now, {
    heartbeatTimeoutMs: processConfig().fullLoad.chunkHeartbeatTimeoutMs,
  });
  return ledger;
}

/** The task store for this process, configured from the environment (table names, endpoint). */
export function defaultTaskStore(): TaskStore {
  store ??= new DynamoTaskStore(documentClient(), tableNames().tasks);
  return store;
}
