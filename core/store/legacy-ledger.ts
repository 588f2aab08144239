import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { CHUNK_IDS, PLAN_RECORD } from "./chunk.ts";
import { claimKey } from "./chunk-claim.ts";
import { isConditionFailure, queryAll } from "./dynamo-requests.ts";

/**
 * Ledgers planned before the claim index existed: no plan record, and chunks without a claim key,
 * which claims cannot see. When a claim finds the index empty and the task has no plan record,
 * the chunks not done that lack a key get one (each only if it is unchanged since it was read:
 * every write of this version keeps the key right itself). Their counts stay computed from the
 * chunks (summary() does so without a plan record). Returns whether any chunk was indexed.
 */
export async function indexLegacyLedger(
  client: DynamoDBDocumentClient,
  table: string,
  task: string,
): Promise<boolean> {
  const plan = await client.send(
    new GetCommand({ TableName: table, Key: { task, id: PLAN_RECORD }, ConsistentRead: true }),
  );
  if (plan.Item) return false;
  const unindexed = await queryAll(client, {
    TableName: table,
    KeyConditionExpression: "task = :task AND begins_with(id, :chunks)",
    FilterExpression: "attribute_not_exists(claimKey) AND #state <> :done",
    ExpressionAttributeNames: { "#state": "state" },
    ExpressionAttributeValues: { ":task": task, ":chunks": CHUNK_IDS, ":done": "done" },
    ConsistentRead: true,
  });
  let indexed = false;
  for (const chunk of unindexed) {
    const key = claimKey(chunk as { id: string; state: "pending" | "copying"; updatedAt: string });
    try {
      await client.send(
        new UpdateCommand({
          TableName: table,
          Key: { task, id: chunk.id },
          UpdateExpression: "SET claimKey = :key",
          ConditionExpression: "attribute_not_exists(claimKey) AND #state = :state AND updatedAt = :at",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":key": key, ":state": chunk.state, ":at": chunk.updatedAt },
        }),
      );
      indexed = true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  return indexed;
}
