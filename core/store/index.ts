import { documentClient, tableNames } from "./dynamodb.ts";
import { DynamoTaskStore, type TaskStore } from "./task-store.ts";

let store: TaskStore | undefined;

/** The task store for this process, configured from the environment (table names, endpoint). */
export function defaultTaskStore(): TaskStore {
  store ??= new DynamoTaskStore(documentClient(), tableNames().tasks);
  return store;
}
