/**
 * One copy worker in a process of its own, as Lambda runs it: the copy-chunk handler with the
 * event given as JSON in argv[2] (spec, execution, worker, workers). The environment is the
 * parent's (DynamoDB Local, table names, DTS_CHUNK_HEARTBEAT_TIMEOUT_MS). Used by tests that kill it.
 */
import { handler } from "#functions/copy-chunk/handler.ts";

const result = await handler(JSON.parse(process.argv[2] ?? "{}"));
process.stdout.write(`${JSON.stringify(result)}\n`);
