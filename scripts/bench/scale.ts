/**
 * npm run bench:scale — planning at scale, printed as two tables.
 *
 * 1. The chunk ledger (DynamoDB Local, ReturnConsumedCapacity counted by ./capacity.ts): one
 *    task's ledger grows to each size N as PlanChunks saves chunks (appends of 250 with the plan
 *    cursor, BatchWrite underneath); at each size, copy workers claim, heartbeat and finish a
 *    sample. Planning time and capacity per chunk, and reads per claimed chunk, which must stay
 *    flat as N grows.
 * 2. The source (MariaDB of the local stack): a generated table with a composite string key (the
 *    counted walk) and one with an integer-led composite key (arithmetic and index dives), planned
 *    by planChunks; seconds per million rows, extrapolated to 2 TB / 9 billion rows against a
 *    15-minute Lambda, in resumable PlanChunks calls.
 *
 *   npm run bench:scale -- [--chunks 10000,100000,1000000] [--rows 10000000] [--sample 200]
 *                          [--endpoint http://127.0.0.1:38000] [--writers 8] [--skip-ledger] [--skip-source]
 *
 * Without --endpoint, the ledger part starts its own in-memory DynamoDB Local (the local stack's
 * jar, a free port; the stack's on-disk instance takes ~10 ms a chunk) and stops it at the end.
 * The source tables go in database bench_scale, written without binlog, dropped afterwards.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { parseArgs } from "node:util";
import mysql from "mysql2/promise";
import { planChunks } from "#core/fullload/service.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import { type Chunk, chunkId, claimOf, DynamoChunkLedger } from "#core/store/chunk-ledger.ts";
import { documentClient, tableNames } from "#core/store/dynamodb.ts";
import { ensureLocalTables } from "#core/store/local-tables.ts";
import { MemoryChunkLedger } from "#core/store/memory.ts";
import { REPO_ROOT } from "#infra/paths.ts";
import { localEnvironment } from "../../local/environment.ts";
import { countCapacity, markdownTable, resetTally, snapshot, type Tally } from "./capacity.ts";

const { values: args } = parseArgs({
  options: {
    chunks: { type: "string", default: "10000,100000,1000000" },
    rows: { type: "string", default: "10000000" },
    sample: { type: "string", default: "200" },
    writers: { type: "string", default: "8" },
    endpoint: { type: "string" },
    "skip-ledger": { type: "boolean", default: false },
    "skip-source": { type: "boolean", default: false },
  },
});
const SOURCE = { host: "127.0.0.1", port: 33061, user: "root", password: "dts-root" };
const DB = "bench_scale";
/** Chunks per planned table and per append, as PlanChunks writes them. */
const TABLE_CHUNKS = 10_000;
const BATCH = 250;
const WORKERS = 4;
/** 2 TB of ~222-byte rows; the Lambda limit (infra/stack.ts gives plan-chunks all of it) and the margin PlanChunks keeps (functions/plan-chunks). */
const TARGET_ROWS = 9e9;
const LAMBDA_S = 15 * 60;
const MARGIN_S = 60;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const fmt = (n: number, digits = 2) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const int = (n: number) => Math.round(n).toLocaleString("en-US");

/* ---- 1. the chunk ledger ---- */

interface LedgerRow {
  chunks: number;
  /** Chunks appended for this row (the ledger grows from the previous row's size). */
  planned: number;
  planMs: number;
  plan: Tally;
  summary: Tally;
  cursor: Tally;
  claimed: number;
  claims: Tally;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** An in-memory DynamoDB Local of our own, from the jar the local stack resolved. */
async function startDynamo(): Promise<{ endpoint: string; process: ChildProcess }> {
  const stack = join(REPO_ROOT, ".stack");
  const classpath = readFileSync(join(stack, "dynamodb.classpath"), "utf8").trim();
  const port = await freePort();
  const child = spawn(
    "java",
    [
      "-Xmx3g",
      "-Djava.awt.headless=true",
      `-Djava.library.path=${join(stack, "dynamodb-lib")}`,
      "-cp",
      classpath,
      "software.amazon.dynamodb.services.local.main.ServerRunner",
      "-port",
      String(port),
      "-inMemory",
      "-sharedDb",
      "-disableTelemetry",
    ],
    { stdio: "ignore" },
  );
  return { endpoint: `http://127.0.0.1:${port}`, process: child };
}

function planned(task: string, index: number, at: string): Chunk {
  const table = Math.floor(index / TABLE_CHUNKS);
  const chunk = index % TABLE_CHUNKS;
  return {
    task,
    id: chunkId(table, chunk),
    tableIndex: table,
    table: `bench.t${table}`,
    lower: chunk === 0 ? null : [`'k${String(chunk * 1000).padStart(10, "0")}'`, "17"],
    upper: chunk === TABLE_CHUNKS - 1 ? null : [`'k${String((chunk + 1) * 1000).padStart(10, "0")}'`, "17"],
    estimatedRows: 100_000,
    state: "pending",
    rows: 0,
    attempts: 0,
    updatedAt: at,
  };
}

/**
 * Appends chunks [from, to) as the planner does, `writers` tables at once, the cursor moving with
 * each batch; then the cursor past them all (writers finish in any order).
 */
async function plan(ledger: DynamoChunkLedger, task: string, from: number, to: number, writers: number) {
  const at = new Date().toISOString();
  const tables = Math.ceil(to / TABLE_CHUNKS);
  let next = Math.floor(from / TABLE_CHUNKS);
  const writer = async () => {
    for (let table = next++; table < tables; table = next++) {
      const end = Math.min(to, (table + 1) * TABLE_CHUNKS);
      for (let i = Math.max(from, table * TABLE_CHUNKS); i < end; i += BATCH) {
        const batch = Array.from({ length: Math.min(BATCH, end - i) }, (_, j) => planned(task, i + j, at));
        const last = batch.at(-1) as Chunk;
        const chunk = i + batch.length - table * TABLE_CHUNKS;
        await ledger.append(task, batch, { planId: "bench", table, chunk, lower: last.upper, done: false });
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  await ledger.append(task, [], { planId: "bench", table: tables, chunk: 0, lower: null, done: true });
}

async function measure<T>(call: () => Promise<T>): Promise<[T, Tally, number]> {
  resetTally();
  const started = performance.now();
  const result = await call();
  return [result, snapshot(), performance.now() - started];
}

/** Grows the task's ledger from `from` to `chunks` chunks, then measures reads and a sample of claims. */
async function ledgerRow(
  ledger: DynamoChunkLedger,
  task: string,
  from: number,
  chunks: number,
  sample: number,
  writers: number,
): Promise<LedgerRow> {
  const [, planTally, planMs] = await measure(() => plan(ledger, task, from, chunks, writers));
  const [, summary] = await measure(() => ledger.summary(task));
  const [, cursor] = await measure(() => ledger.planCursor(task));
  const execution = `bench-${task}`;
  const before = (await ledger.summary(task)).done;
  let claimed = 0;
  const [, claims] = await measure(async () => {
    const worker = async (index: number) => {
      while (claimed < sample) {
        const chunk = await ledger.claim(task, execution, index, WORKERS);
        if (!chunk) return;
        claimed++;
        await ledger.progress(claimOf(chunk), 50_000);
        await ledger.markDone(claimOf(chunk), 100_000);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
  });
  const done = (await ledger.summary(task)).done - before;
  if (done !== claimed) throw new Error(`${done} chunks done, ${claimed} claimed`);
  return { chunks, planned: chunks - from, planMs, plan: planTally, summary, cursor, claimed, claims };
}

function ledgerTable(rows: LedgerRow[], writers: number): string {
  const header = [
    "chunks",
    "plan s",
    "ms/chunk",
    "WCU/chunk",
    "summary RCU",
    "cursor RCU",
    "claimed",
    "reads/claim",
    "RCU/claim",
    "WCU/claim",
    "requests/claim",
  ];
  const lines = rows.map((r) => [
    int(r.chunks),
    fmt(r.planMs / 1000, 1),
    fmt(r.planMs / r.planned, 3),
    fmt(r.plan.wcu / r.planned),
    fmt(r.summary.rcu, 1),
    fmt(r.cursor.rcu, 1),
    int(r.claimed),
    fmt(r.claims.reads / r.claimed),
    fmt(r.claims.rcu / r.claimed),
    fmt(r.claims.wcu / r.claimed),
    fmt(r.claims.requests / r.claimed),
  ]);
  return [
    `chunk ledger (DynamoDB Local): one ledger grown to each size in appends of ${BATCH} (${writers} tables at once; plan s and`,
    `per-chunk figures for the chunks added since the size before), then ${WORKERS} workers claim + heartbeat + finish a sample`,
    "",
    markdownTable(header, lines),
  ].join("\n");
}

async function ledgerPart(): Promise<string> {
  const sizes = args.chunks.split(",").map(Number);
  const writers = Number(args.writers);
  const own = args.endpoint ? undefined : await startDynamo();
  process.env.DYNAMODB_ENDPOINT = args.endpoint ?? own?.endpoint;
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  try {
    const client = documentClient();
    for (let attempt = 0; ; attempt++) {
      try {
        await ensureLocalTables(client, tableNames());
        break;
      } catch (error) {
        if (attempt > 60)
          throw new Error(
            `DynamoDB Local does not answer at ${process.env.DYNAMODB_ENDPOINT}: ${(error as Error).message}`,
          );
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    countCapacity(client);
    const ledger = new DynamoChunkLedger(client, tableNames().chunks);
    const rows: LedgerRow[] = [];
    // One ledger that grows: each size is measured on the chunks of the sizes before it and its own.
    const task = `bench-scale-${process.pid}-${Date.now().toString(36)}`;
    let from = 0;
    for (const size of sizes) {
      const row = await ledgerRow(ledger, task, from, size, Number(args.sample), writers);
      rows.push(row);
      from = size;
      console.error(
        `ledger: ${int(size)} chunks measured: ${ledgerTable([row], writers).split("\n").at(-1)}`,
      );
    }
    if (args.endpoint) await ledger.replace(task, []);
    return ledgerTable(rows, writers);
  } finally {
    own?.process.kill();
  }
}

/* ---- 2. the source ---- */

interface SourceRow {
  table: string;
  key: string;
  rows: number;
  chunks: number;
  seconds: number;
}

async function generate(rows: number): Promise<void> {
  const connection = await mysql.createConnection(SOURCE);
  try {
    // Not replicated: the tailers of other tasks on this server need not read 2 × 10M row events.
    await connection.query("SET SESSION sql_log_bin = 0");
    await connection.query(`DROP DATABASE IF EXISTS ${DB}`);
    await connection.query(`CREATE DATABASE ${DB}`);
    await connection.query(
      `CREATE TABLE ${DB}.accounts (region VARCHAR(16) NOT NULL, account VARCHAR(24) NOT NULL, n BIGINT NOT NULL, note VARCHAR(60), PRIMARY KEY (region, account))`,
    );
    await connection.query(
      `CREATE TABLE ${DB}.order_lines (order_id BIGINT NOT NULL, line INT NOT NULL, n BIGINT NOT NULL, note VARCHAR(60), PRIMARY KEY (order_id, line))`,
    );
    const slice = 1_000_000;
    for (let from = 0; from < rows; from += slice) {
      const to = Math.min(rows, from + slice) - 1;
      await connection.query(
        `INSERT INTO ${DB}.accounts SELECT CONCAT('r', LPAD(seq DIV 250000, 4, '0')), CONCAT('acct-', LPAD(seq, 12, '0')), seq, 'a note of some forty characters, give or take' FROM ${DB}.seq_${from}_to_${to}`,
      );
      await connection.query(
        `INSERT INTO ${DB}.order_lines SELECT seq DIV 4, seq MOD 4, seq, 'a note of some forty characters, give or take' FROM ${DB}.seq_${from}_to_${to}`,
      );
      console.error(`source: ${int(to + 1)} rows of ${int(rows)} generated`);
    }
    await connection.query(`ANALYZE TABLE ${DB}.accounts, ${DB}.order_lines`);
  } finally {
    await connection.end();
  }
}

async function sourcePart(): Promise<string> {
  const rows = Number(args.rows);
  const source = await mysql.createConnection(SOURCE);
  const results: SourceRow[] = [];
  try {
    await generate(rows);
    for (const [table, key] of [
      ["accounts", "(VARCHAR, VARCHAR): counted walk"],
      ["order_lines", "(BIGINT, INT): arithmetic + index dives"],
    ] as const) {
      const spec = parseTaskSpec({
        name: `bench-scale-${table}`,
        source: SOURCE,
        destination: { type: "mysql", host: "127.0.0.1", port: 33062, user: "root", password: "dts-root" },
        migrationTypes: ["full"],
        objects: [{ database: DB, tables: [{ name: table }] }],
        fullLoad: { chunkRows: 100_000 },
      });
      const ledger = new MemoryChunkLedger();
      const started = performance.now();
      const progress = await planChunks(spec, source as never, ledger);
      const seconds = (performance.now() - started) / 1000;
      results.push({ table, key, rows, chunks: progress.chunks, seconds });
      console.error(`source: ${table} planned in ${fmt(seconds, 1)} s`);
    }
  } finally {
    await source.query(`DROP DATABASE IF EXISTS ${DB}`);
    await source.end();
  }
  const usable = LAMBDA_S - MARGIN_S;
  const header = [
    "table",
    "key",
    "rows",
    "chunks",
    "plan s",
    "s / M rows",
    "9e9 rows: min",
    "PlanChunks calls (15 min)",
    "1 call holds (rows)",
  ];
  const lines = results.map((r) => {
    const perMillion = r.seconds / (r.rows / 1e6);
    const total = (perMillion * TARGET_ROWS) / 1e6;
    return [
      r.table,
      r.key,
      int(r.rows),
      int(r.chunks),
      fmt(r.seconds, 1),
      fmt(perMillion, 3),
      fmt(total / 60, 1),
      int(Math.max(1, Math.ceil(total / usable))),
      `${fmt(((usable / perMillion) * 1e6) / 1e9, 1)} billion`,
    ];
  });
  return [
    `source planning (MariaDB of the local stack, chunkRows 100,000): extrapolated linearly to ${int(TARGET_ROWS)} rows (2 TB);`,
    `a PlanChunks call plans until ${MARGIN_S} s before its Lambda's limit, then the next goes on from the plan cursor`,
    "",
    markdownTable(header, lines),
  ].join("\n");
}

const out: string[] = [];
if (!args["skip-ledger"]) out.push(await ledgerPart());
if (!args["skip-source"]) out.push(await sourcePart());
console.log(`\n${out.join("\n\n")}`);
