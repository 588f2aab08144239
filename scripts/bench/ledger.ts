/**
 * npm run bench:ledger — what the chunk ledger costs per chunk as the plan grows: against DynamoDB
 * Local, plan N chunks, then copy workers claim each, write one heartbeat and mark it done (no
 * data is copied). A middleware on the document client counts the requests and the capacity
 * DynamoDB Local reports (ReturnConsumedCapacity). Flat columns mean a claim does not read the
 * whole ledger.
 *
 *   npm run bench:ledger -- [--sizes 100,1000,10000] [--workers 4]
 *
 * Needs the local stack's DynamoDB (npm run stack:up). Each size uses its own task name and
 * deletes its ledger afterwards.
 */
import { parseArgs } from "node:util";
import { type Chunk, chunkId, claimOf, DynamoChunkLedger } from "#core/store/chunk-ledger.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { ensureLocalTables } from "#core/store/local-tables.ts";
import { localEnvironment } from "../../local/environment.ts";
import { countCapacity, markdownTable, resetTally, tally } from "./capacity.ts";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "100,1000,10000" },
    workers: { type: "string", default: "4" },
  },
});
const SIZES = args.sizes.split(",").map(Number);
const WORKERS = Number(args.workers);
for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

function plan(task: string, chunks: number): Chunk[] {
  const now = new Date().toISOString();
  return Array.from({ length: chunks }, (_, i) => ({
    task,
    id: chunkId(Math.floor(i / 1000), i % 1000),
    tableIndex: Math.floor(i / 1000),
    table: `bench.t${Math.floor(i / 1000)}`,
    lower: i % 1000 === 0 ? null : [String(i * 1000)],
    upper: [String((i + 1) * 1000)],
    estimatedRows: 1000,
    state: "pending",
    rows: 0,
    attempts: 0,
    updatedAt: now,
  }));
}

interface Row {
  chunks: number;
  requests: number;
  rcu: number;
  wcu: number;
  ms: number;
}

async function run(ledger: DynamoChunkLedger, chunks: number): Promise<Row> {
  const task = `bench-ledger-${chunks}-${process.pid}-${Date.now().toString(36)}`;
  await ledger.replace(task, plan(task, chunks));
  resetTally();
  const execution = `bench-${task}`;
  const started = performance.now();
  const worker = async (index: number) => {
    for (;;) {
      const chunk = await ledger.claim(task, execution, index, WORKERS);
      if (!chunk) return;
      await ledger.progress(claimOf(chunk), 500);
      await ledger.markDone(claimOf(chunk), 1000);
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
  const ms = performance.now() - started;
  const row = { chunks, requests: tally.requests, rcu: tally.rcu, wcu: tally.wcu, ms };
  const summary = await ledger.summary(task);
  if (summary.done !== chunks) throw new Error(`${summary.done} of ${chunks} chunks done`);
  await ledger.replace(task, []);
  return row;
}

function table(rows: Row[]): string {
  const header = ["chunks", "requests/chunk", "RCU/chunk", "WCU/chunk", "ms", "ms/chunk"];
  const lines = rows.map((r) => [
    r.chunks.toLocaleString("en-US"),
    (r.requests / r.chunks).toFixed(2),
    tally.reported ? (r.rcu / r.chunks).toFixed(2) : "n/a",
    tally.reported ? (r.wcu / r.chunks).toFixed(2) : "n/a",
    Math.round(r.ms).toLocaleString("en-US"),
    (r.ms / r.chunks).toFixed(2),
  ]);
  return markdownTable(header, lines);
}

const client = documentClient();
await ensureLocalTables(client, tableNames()).catch((error: unknown) => {
  console.error(`DynamoDB Local does not answer (${(error as Error).message}): run npm run stack:up first`);
  process.exit(1);
});
countCapacity(client);
const ledger = new DynamoChunkLedger(client, tableNames().chunks);
const rows: Row[] = [];
for (const size of SIZES) {
  rows.push(await run(ledger, size));
  console.error(`${size} chunks done`);
}
console.log(
  `\nchunk ledger, ${WORKERS} workers: claim + one heartbeat + mark done per chunk (DynamoDB Local)\n`,
);
console.log(table(rows));
