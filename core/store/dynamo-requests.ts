import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { Chunk } from "./chunk.ts";
import type { ChunkClaim } from "./chunk-claim.ts";

/*
 * What the chunk ledger's DynamoDB adapter repeats: every page of a query, batches of 25 writes,
 * the condition "this claim holds the chunk", the errors it tells apart.
 */

export const isConditionFailure = (error: unknown) =>
  (error as Error).name === "ConditionalCheckFailedException";

/** The reason codes of a cancelled transaction, one per item ("None" where that item was fine); else undefined. */
export function cancellationReasons(error: unknown): string[] | undefined {
  if ((error as Error).name !== "TransactionCanceledException") return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((r) => r.Code ?? "None");
}

/** Every item of a query, page after page. */
export async function queryAll(
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Writes in batches of 25, again for what DynamoDB left unprocessed (with backoff). */
export async function batchWrite(
  client: DynamoDBDocumentClient,
  table: string,
  requests: Record<string, unknown>[],
): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    let pending: Record<string, unknown>[] | undefined = requests.slice(i, i + 25);
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      const result = await client.send(
        new BatchWriteCommand({ RequestItems: { [table]: pending as never } }),
      );
      pending = result.UnprocessedItems?.[table] as Record<string, unknown>[] | undefined;
      if (pending?.length) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
    }
  }
}

/** A chunk item as the ledger hands it out (the claim key is the index's business). */
export const withoutClaimKey = (item: Record<string, unknown>): Chunk => {
  const { claimKey: _key, ...chunk } = item;
  return chunk as unknown as Chunk;
};

/** Names and values of the condition "`claim` holds the chunk and it is copying". */
export const HELD = "execution = :me AND attempts = :attempt AND #state = :copying";
export const held = (claim: ChunkClaim) => ({
  ":me": claim.execution,
  ":attempt": claim.attempt,
  ":copying": "copying",
});
