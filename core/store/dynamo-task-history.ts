import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { batchGet } from "./dynamo-task-items.ts";
import {
  expiresAt,
  HISTORY_KEEP_MS,
  HISTORY_TTL_ATTRIBUTE,
  historyFloor,
  historyKey,
  hourOf,
  hoursBetween,
  type PackedSample,
  packSample,
  samplesAfter,
  unpackSample,
} from "./task-history.ts";
import type { HistorySample } from "./task-store.ts";

/* The metrics history in the tasks table (core/store/task-history.ts): hour items with a TTL. */

/**
 * Appends to the hour's item, created by the first sample of the hour with its TTL: one write
 * of at most 1.6 KB (one or two write units), whatever the task's size.
 */
export async function appendHistoryItem(
  client: DynamoDBDocumentClient,
  table: string,
  name: string,
  sample: HistorySample,
): Promise<void> {
  const at = Date.parse(sample.at);
  await client.send(
    new UpdateCommand({
      TableName: table,
      Key: { name: historyKey(name, hourOf(at)) },
      UpdateExpression:
        "SET #kind = :kind, #task = :task, #expiresAt = :expiresAt, #samples = list_append(if_not_exists(#samples, :none), :sample)",
      ExpressionAttributeNames: {
        "#kind": "kind",
        "#task": "task",
        "#expiresAt": HISTORY_TTL_ATTRIBUTE,
        "#samples": "samples",
      },
      ExpressionAttributeValues: {
        ":kind": "history",
        ":task": name,
        ":expiresAt": expiresAt(at),
        ":none": [],
        ":sample": [packSample(sample)],
      },
    }),
  );
}

/** The hour items since `since` (25 keys for a day); DynamoDB's TTL deletes late, so older samples are cut here. */
export async function readHistory(
  client: DynamoDBDocumentClient,
  table: string,
  name: string,
  now: number,
  since: number | undefined,
): Promise<HistorySample[]> {
  const floor = historyFloor(now, since);
  const hours = hoursBetween(floor, now);
  const items = await batchGet(
    client,
    table,
    hours.map((hour) => historyKey(name, hour)),
  );
  const samples = hours.flatMap((hour) =>
    ((items.get(historyKey(name, hour))?.samples ?? []) as PackedSample[]).map((packed) =>
      unpackSample(hour, packed),
    ),
  );
  return samplesAfter(samples, floor);
}

/** The keys of every hour item that may still be read: a day back and the hour ahead (clock skew). */
export function historyKeysAround(name: string, now: number): string[] {
  return hoursBetween(now - HISTORY_KEEP_MS - 3600_000, now + 3600_000).map((hour) => historyKey(name, hour));
}
