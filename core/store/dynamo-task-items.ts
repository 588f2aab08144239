import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import { type Phase, storedPhase } from "../model/phase.ts";
import { BULKY_FIELDS, partsAttribute, unpackSpec } from "./task-items.ts";
import type { TaskRecord } from "./task-store.ts";

/* Reading task items back: several at once, and a record from them (core/store/task-items.ts). */

export type Item = Record<string, unknown>;

/** Items by key, read consistently, 100 keys a request, again for what DynamoDB left unprocessed. */
export async function batchGet(
  client: DynamoDBDocumentClient,
  table: string,
  keys: string[],
): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + 100).map((name) => ({ name }));
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      const result: BatchGetCommandOutput = await client.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of result.Responses?.[table] ?? []) found.set(String(item.name), item);
      pending = result.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return found;
}

/**
 * The record of a task item: its spec unpacked, the part counts and layout attributes dropped, the
 * tailer's figures from their own item (a record from before that item keeps them on the task
 * item), updatedAt the later of the two items'.
 */
export function recordOf(item: Item, incremental: Item | undefined): TaskRecord {
  const { spec: _spec, specZ: _specZ, ...rest } = item;
  const record = { ...rest, spec: unpackSpec(item), phase: storedPhase(item.phase as Phase) } as Item;
  for (const field of BULKY_FIELDS) delete record[partsAttribute(field)];
  if (incremental) {
    record.incremental = incremental.incremental;
    if (String(incremental.updatedAt) > String(record.updatedAt)) record.updatedAt = incremental.updatedAt;
  }
  return record as unknown as TaskRecord;
}
