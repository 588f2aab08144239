import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { TableNames } from "./dynamodb.ts";

/** Creates the tables on DynamoDB Local when missing (in AWS, the CDK stack owns them). */
export async function ensureLocalTables(client: DynamoDBDocumentClient, names: TableNames): Promise<void> {
  await ensureTable(client, names.tasks, "name");
  await ensureTable(client, names.chunks, "task", "id");
  await ensureTable(client, names.checkpoints, "task");
}

async function ensureTable(
  client: DynamoDBDocumentClient,
  table: string,
  key: string,
  sort?: string,
): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [
          { AttributeName: key, AttributeType: "S" },
          ...(sort ? [{ AttributeName: sort, AttributeType: "S" as const }] : []),
        ],
        KeySchema: [
          { AttributeName: key, KeyType: "HASH" },
          ...(sort ? [{ AttributeName: sort, KeyType: "RANGE" as const }] : []),
        ],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  } catch (error) {
    if ((error as Error).name !== "ResourceInUseException") throw error;
  }
}
