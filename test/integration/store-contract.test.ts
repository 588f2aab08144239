import { beforeAll, describe } from "vitest";
import { DynamoCheckpointStore } from "#core/store/checkpoint-store.ts";
import { DynamoChunkLedger } from "#core/store/chunk-ledger.ts";
import { DynamoTaskStore } from "#core/store/dynamo-task-store.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { ensureLocalTables } from "#core/store/local-tables.ts";
import { STACK } from "../support/stack.ts";
import { storeContract } from "../support/store-contract.ts";

beforeAll(async () => {
  process.env.DYNAMODB_ENDPOINT ??= STACK.dynamodb;
  await ensureLocalTables(documentClient(), tableNames());
});

describe("the DynamoDB stores (DynamoDB Local)", () => {
  storeContract((clock) => {
    const client = documentClient();
    const names = tableNames();
    return {
      tasks: new DynamoTaskStore(client, names.tasks, clock),
      ledger: new DynamoChunkLedger(client, names.chunks, clock),
      checkpoints: new DynamoCheckpointStore(client, names.checkpoints, clock),
    };
  });
});
