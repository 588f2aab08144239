import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { processConfig, type StoreConfig, type TableNames } from "../config.ts";

export type { TableNames };

/** The DynamoDB tables of this process's config (the stack or the local runner sets them). */
export function tableNames(config: StoreConfig = processConfig().store): TableNames {
  return config.tables;
}

/** A document client; against DynamoDB Local (an endpoint in the config) with local credentials. */
export function documentClient(config: StoreConfig = processConfig().store): DynamoDBDocumentClient {
  const endpoint = config.dynamodbEndpoint;
  const client = new DynamoDBClient(
    endpoint
      ? {
          endpoint,
          region: config.region,
          credentials: { accessKeyId: "local", secretAccessKey: "local" },
          maxAttempts: 2,
        }
      : {},
  );
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
}
