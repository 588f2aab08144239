import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type GlobalSecondaryIndex,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { EnvironmentError } from "../errors.ts";
import { CLAIM_INDEX, CLAIM_INDEX_ATTRIBUTES, CLAIM_KEY } from "./chunk-claim.ts";
import type { TableNames } from "./dynamodb.ts";

/** The chunk ledger's claim index, as infra/tables.ts declares it for AWS. */
const claimIndex: GlobalSecondaryIndex = {
  IndexName: CLAIM_INDEX,
  KeySchema: [
    { AttributeName: "task", KeyType: "HASH" },
    { AttributeName: CLAIM_KEY, KeyType: "RANGE" },
  ],
  Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: [...CLAIM_INDEX_ATTRIBUTES] },
};

/**
 * Creates the tables on DynamoDB Local when missing (in AWS, the CDK stack owns them). A chunk
 * table made before the claim index existed gets the index added (UpdateTable; DynamoDB Local
 * fills it from the items there), so an existing .stack/dynamodb keeps working.
 */
export async function ensureLocalTables(client: DynamoDBDocumentClient, names: TableNames): Promise<void> {
  await ensureTable(client, names.tasks, "name");
  await ensureTable(client, names.chunks, "task", "id", claimIndex);
  await ensureTable(client, names.checkpoints, "task");
}

async function describe(
  client: DynamoDBDocumentClient,
  table: string,
): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: table }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function ensureTable(
  client: DynamoDBDocumentClient,
  table: string,
  key: string,
  sort?: string,
  index?: GlobalSecondaryIndex,
): Promise<void> {
  const existing = await describe(client, table);
  if (existing) {
    if (index) await ensureIndex(client, table, existing, index);
    return;
  }
  const attributes = [key, ...(sort ? [sort] : []), ...(index ? [CLAIM_KEY] : [])];
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: "S" })),
        KeySchema: [
          { AttributeName: key, KeyType: "HASH" },
          ...(sort ? [{ AttributeName: sort, KeyType: "RANGE" as const }] : []),
        ],
        ...(index ? { GlobalSecondaryIndexes: [index] } : {}),
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  } catch (error) {
    if ((error as Error).name !== "ResourceInUseException") throw error;
  }
  if (index) await ensureIndex(client, table, await describe(client, table), index);
}

/** Adds the index to a table made without it, and waits until it can be queried. */
async function ensureIndex(
  client: DynamoDBDocumentClient,
  table: string,
  description: TableDescription | undefined,
  index: GlobalSecondaryIndex,
): Promise<void> {
  const name = index.IndexName;
  const present = description?.GlobalSecondaryIndexes?.find((i) => i.IndexName === name);
  if (present?.IndexStatus === "ACTIVE") return;
  if (!present) {
    const definitions: AttributeDefinition[] = (index.KeySchema ?? []).map((k) => ({
      AttributeName: k.AttributeName,
      AttributeType: "S",
    }));
    try {
      await client.send(
        new UpdateTableCommand({
          TableName: table,
          AttributeDefinitions: definitions,
          GlobalSecondaryIndexUpdates: [{ Create: index }],
        }),
      );
    } catch (error) {
      // Another process added it first (tests start many at once).
      if (!/exists|ResourceInUse/i.test(`${(error as Error).name} ${(error as Error).message}`)) throw error;
    }
  }
  for (let waited = 0; waited < 30_000; waited += 200) {
    const status = (await describe(client, table))?.GlobalSecondaryIndexes?.find((i) => i.IndexName === name);
    if (status?.IndexStatus === "ACTIVE") return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new EnvironmentError(
    `the ${name} index of DynamoDB table ${table} did not become active within 30 s: run npm run stack:up again`,
  );
}
