import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Chunk, ChunkError } from "./chunk.ts";
import { type ChunkClaim, CLAIM_INDEX, claimKey, dueKey, FAILED_KEYS, RETRY_KEYS } from "./chunk-claim.ts";
import { HELD, held, isConditionFailure, queryAll, withoutClaimKey } from "./dynamo-requests.ts";

/*
 * The DynamoDB chunk ledger's writes and reads of failed copies (dynamo-chunk-ledger.ts delegates):
 * a chunk given back with its error and backoff, one marked failed, failed ones found through the
 * claim index ("3#" keys: a few items, never the whole ledger) and given back on resume.
 */

export interface LedgerTable {
  client: DynamoDBDocumentClient;
  table: string;
}

/** Ids of backing-off chunks whose time has come (claim index "2#" keys up to `now`), earliest first. */
export async function dueRetries(
  at: LedgerTable,
  task: string,
  now: string,
  page: number,
): Promise<string[]> {
  const { Items } = await at.client.send(
    new QueryCommand({
      TableName: at.table,
      IndexName: CLAIM_INDEX,
      KeyConditionExpression: "task = :task AND claimKey BETWEEN :from AND :due",
      ExpressionAttributeValues: { ":task": task, ":from": RETRY_KEYS, ":due": dueKey(now) },
      Limit: page,
    }),
  );
  return (Items ?? []).map((c) => String(c.id));
}

/** Gives the chunk back with its error, claimable again from `retryAt`; nothing when `claim` lost it. */
export async function releaseWithError(
  at: LedgerTable,
  claim: ChunkClaim,
  failure: { error: ChunkError; retryAt: string },
  now: string,
): Promise<void> {
  await ifHeld(
    at,
    claim,
    "SET #state = :pending, #rows = :zero, updatedAt = :now, claimKey = :key, lastError = :error, retryAt = :retryAt REMOVE execution",
    {
      ":pending": "pending",
      ":zero": 0,
      ":now": now,
      ":key": claimKey({ id: claim.id, state: "pending", updatedAt: now, retryAt: failure.retryAt }),
      ":error": failure.error,
      ":retryAt": failure.retryAt,
    },
  );
}

/** Marks the chunk failed with its error (the holder stays recorded: reopen() tells executions apart). */
export function markFailed(
  at: LedgerTable,
  claim: ChunkClaim,
  error: ChunkError,
  now: string,
): Promise<boolean> {
  return ifHeld(at, claim, "SET #state = :failed, updatedAt = :now, claimKey = :key, lastError = :error", {
    ":failed": "failed",
    ":now": now,
    ":key": claimKey({ id: claim.id, state: "failed", updatedAt: now }),
    ":error": error,
  });
}

/** The claim index's failed entries (id and execution), in id order. */
function failedEntries(at: LedgerTable, task: string): Promise<Record<string, unknown>[]> {
  return queryAll(at.client, {
    TableName: at.table,
    IndexName: CLAIM_INDEX,
    KeyConditionExpression: "task = :task AND begins_with(claimKey, :failed)",
    ExpressionAttributeValues: { ":task": task, ":failed": FAILED_KEYS },
  });
}

/** The failed chunks whole (the index carries only a few attributes): a batch read of those few. */
export async function failedChunks(at: LedgerTable, task: string): Promise<Chunk[]> {
  const ids = (await failedEntries(at, task)).map((c) => String(c.id));
  const chunks: Chunk[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    let keys: Record<string, unknown>[] | undefined = ids.slice(i, i + 100).map((id) => ({ task, id }));
    while (keys && keys.length > 0) {
      const result = await at.client.send(
        new BatchGetCommand({ RequestItems: { [at.table]: { Keys: keys, ConsistentRead: true } } }),
      );
      chunks.push(...(result.Responses?.[at.table] ?? []).map(withoutClaimKey));
      keys = result.UnprocessedKeys?.[at.table]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  // An index entry read before a resume reopened the chunk: only those still failed.
  return chunks.filter((c) => c.state === "failed").sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Gives back the chunks another execution marked failed; each only if still failed by that execution. */
export async function reopenFailed(
  at: LedgerTable,
  task: string,
  execution: string,
  now: string,
): Promise<number> {
  let reopened = 0;
  for (const entry of await failedEntries(at, task)) {
    if (entry.execution === execution) continue;
    const id = String(entry.id);
    try {
      await at.client.send(
        new UpdateCommand({
          TableName: at.table,
          Key: { task, id },
          UpdateExpression:
            "SET #state = :pending, attempts = :zero, #rows = :zero, updatedAt = :now, claimKey = :key REMOVE execution, retryAt",
          ConditionExpression: "#state = :failed AND NOT execution = :me",
          ExpressionAttributeNames: { "#state": "state", "#rows": "rows" },
          ExpressionAttributeValues: {
            ":pending": "pending",
            ":failed": "failed",
            ":zero": 0,
            ":now": now,
            ":me": execution,
            ":key": claimKey({ id, state: "pending", updatedAt: now }),
          },
        }),
      );
      reopened++;
    } catch (error) {
      // Another worker of this execution reopened it first.
      if (!isConditionFailure(error)) throw error;
    }
  }
  return reopened;
}

/** One write to a chunk `claim` holds; false when it no longer does. */
export async function ifHeld(
  at: LedgerTable,
  claim: ChunkClaim,
  update: string,
  values: Record<string, unknown>,
): Promise<boolean> {
  try {
    await at.client.send(
      new UpdateCommand({
        TableName: at.table,
        Key: { task: claim.task, id: claim.id },
        UpdateExpression: update,
        ConditionExpression: HELD,
        // DynamoDB refuses names an expression does not use.
        ExpressionAttributeNames: {
          "#state": "state",
          ...(update.includes("#rows") ? { "#rows": "rows" } : {}),
        },
        ExpressionAttributeValues: { ...values, ...held(claim) },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
