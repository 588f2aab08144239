import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** Names of the DynamoDB tables, from the environment the stack or the local runner sets. */
export interface TableNames {
  tasks: string;
  chunks: string;
  checkpoints: string;
}

export function tableNames(env: NodeJS.ProcessEnv = process.env): TableNames {
  return {
    tasks: env.DTS_TASKS_TABLE ?? "dts-tasks",
    chunks: env.DTS_CHUNKS_TABLE ?? "dts-chunks",
    checkpoints: env.DTS_CHECKPOINTS_TABLE ?? "dts-checkpoints",
  };
}

/** A document client; with DYNAMODB_ENDPOINT set (DynamoDB Local) it uses local credentials. */
export function documentClient(env: NodeJS.ProcessEnv = process.env): DynamoDBDocumentClient {
  const endpoint = env.DYNAMODB_ENDPOINT;
  const client = new DynamoDBClient(
    endpoint
      ? {
          endpoint,
          region: env.AWS_REGION ?? "us-east-1",
          credentials: { accessKeyId: "local", secretAccessKey: "local" },
          maxAttempts: 2,
        }
      : {},
  );
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
}
