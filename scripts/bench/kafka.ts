/**
 * npm run bench:kafka — migration into Kafka on the local stack, for each message format:
 *  1. full load: `dts run` (schema + full) of a table of N rows into a 3-partition topic (hash-pk),
 *     --load-rounds times per format, alternating; rows/s from the task's record (median), peak
 *     RSS of the dts process;
 *  2. incremental: with the tailer stopped, write a backlog of M row changes (inserts and updates,
 *     1,000 per transaction), start the tailer and time it until it has caught up (events/s),
 *     sampling its RSS.
 *
 *  3. side by side with Debezium (kafka-drain.ts): a backlog of --drain-changes changes drained by
 *     Debezium's MariaDB connector and by the tailer in each format, in turn, --rounds times.
 *
 *   npm run bench:kafka -- [--rows 500000] [--changes 300000] [--drain-changes 1000000]
 *                          [--rows-per-txn 10] [--rounds 3] [--no-debezium] [--no-load]
 *                          [--load-rounds 3] [--drain-tools debezium,canal-json,dts-avro]
 */
import { execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import mysql from "mysql2/promise";
import { localLauncher } from "#core/adapters/tailer-launcher.ts";
import { comparePositions } from "#core/model/position.ts";
import { defaultCheckpointStore, defaultTaskStore } from "#core/store/index.ts";
import { startTailer } from "#core/task/tailer-start.ts";
import { localEnvironment } from "../../local/environment.ts";
import { dtsOutput, rssMb, sleep } from "./cdc-common.ts";
import { createEventsTable } from "./events-table.ts";
import { freshTask } from "./fresh-task.ts";
import { median, sideBySide } from "./kafka-drain.ts";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SOURCE = { host: "127.0.0.1", port: 33061, user: "root", password: "dts-root" };
const DB = "bench_kafka";
const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "500000" },
    changes: { type: "string", default: "300000" },
    "drain-changes": { type: "string", default: "1000000" },
    "rows-per-txn": { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    /** Full loads of each format, alternating; the median is reported. */
    "load-rounds": { type: "string", default: "3" },
    debezium: { type: "boolean", default: true },
    /** The full load and incremental runs of each format before the side-by-side drain. */
    load: { type: "boolean", default: true },
    /** Which tools drain side by side (comma-separated): debezium, canal-json, dts-avro. */
    "drain-tools": { type: "string", default: "debezium,canal-json,dts-avro" },
  },
  allowNegative: true,
});
const ROWS = Number(args.rows);
const CHANGES = Number(args.changes);
const LOAD_ROUNDS = Math.max(1, Number(args["load-rounds"]));
for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** Runs `dts` as a child, sampling its RSS (and its children's: none for dts run). */
async function dtsMeasured(...argv: string[]): Promise<{ peak: number; output: string }> {
  const child = spawn("node", ["bin/dts.js", ...argv], { cwd: REPO, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  let peak = 0;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  while (!done) {
    peak = Math.max(peak, rssMb(child.pid ?? 0));
    await sleep(100);
  }
  return { peak, output };
}

async function createTopic(name: string): Promise<string> {
  const topic = `${name}-${Date.now().toString(36)}`;
  const admin = new Kafka({ brokers: ["127.0.0.1:39092"], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  return topic;
}

async function sourcePosition(connection: mysql.Connection) {
  const [[row]] = (await connection.query("SHOW MASTER STATUS")) as unknown as [
    [{ File: string; Position: number }],
  ];
  return { file: row.File, position: Number(row.Position) };
}

execFileSync("bash", [join(REPO, "scripts/stack/stack.sh"), "up"], { stdio: "inherit" });
const source = await mysql.createConnection({ ...SOURCE, multipleStatements: true });
if (args.load) await createEventsTable(source, DB, ROWS);

/** A `dts run` of a new task of `format` (schema and full, then `more`): rows/s of its full load, peak RSS. */
async function measuredLoad(format: string, task: string, more: string[] = []) {
  freshTask(task);
  const topic = await createTopic(`bench-${format}`);
  const spec = join(tmpdir(), `${task}.json`);
  writeFileSync(
    spec,
    JSON.stringify({
      name: task,
      source: SOURCE,
      destination: { type: "kafka", brokers: ["127.0.0.1:39092"], topic, format, partitionPolicy: "hash-pk" },
      migrationTypes: ["schema", "full", ...more],
      objects: [{ database: DB }],
      fullLoad: { chunkRows: 50_000, parallelism: 4 },
    }),
  );
  process.stdout.write(`${format}: full load of ${ROWS.toLocaleString("en-US")} rows into ${topic}...\n`);
  const full = await dtsMeasured("run", spec);
  const load = (await defaultTaskStore().get(task))?.fullLoad;
  if (!load?.completedAt) throw new Error(`full load did not complete:\n${full.output}`);
  const seconds = (Date.parse(load.completedAt) - Date.parse(load.startedAt)) / 1000;
  return { rate: Math.round((load.rows ?? 0) / seconds), peak: Math.round(full.peak) };
}

const formats = args.load ? (["canal-json", "dts-avro"] as const) : [];
// Full loads alternate between the formats; the last of each is the incremental task's own.
const loads = new Map<string, { rate: number; peak: number }[]>();
for (let round = 1; round < LOAD_ROUNDS; round++)
  for (const format of formats)
    loads.set(format, [
      ...(loads.get(format) ?? []),
      await measuredLoad(format, `bench-kafka-load-${format}`),
    ]);

const results: { format: string; full: number[]; fullRss: number; cdc: number; cdcRss: number }[] = [];
let nextId = ROWS + 1;
for (const format of formats) {
  const task = `bench-kafka-${format}`;
  const own = await measuredLoad(format, task, ["incremental"]);
  const samples = [...(loads.get(format) ?? []), own];
  dtsOutput("stop", task);

  process.stdout.write(`${format}: backlog of ${CHANGES.toLocaleString("en-US")} row changes...\n`);
  const inserts = Math.ceil(CHANGES / 2);
  for (let from = nextId; from < nextId + inserts; from += 1000) {
    const to = Math.min(nextId + inserts - 1, from + 999);
    await source.query(
      `INSERT INTO ${DB}.events SELECT seq, seq MOD 1000, CONCAT('live-', seq), MD5(seq), 1.5, NOW(6) FROM ${DB}.seq_${from}_to_${to}`,
    );
  }
  for (let from = nextId; from < nextId + CHANGES - inserts; from += 1000)
    await source.query(`UPDATE ${DB}.events SET v = v + 1 WHERE id BETWEEN ${from} AND ${from + 999}`);
  nextId += inserts;
  const target = await sourcePosition(source);
  const started = Date.now();
  const launched = await startTailer(
    task,
    {
      checkpoints: defaultCheckpointStore(),
      store: defaultTaskStore(),
      launcher: localLauncher(REPO),
    },
    "resume",
  );
  let peak = 0;
  for (;;) {
    peak = Math.max(peak, rssMb(Number(launched.id)));
    const checkpoint = (await defaultCheckpointStore().read(task))?.checkpoint?.position;
    if (checkpoint && comparePositions(checkpoint, target) >= 0) break;
    await sleep(100);
  }
  const cdcSeconds = (Date.now() - started) / 1000;
  dtsOutput("stop", task);
  results.push({
    format,
    full: samples.map((sample) => sample.rate),
    fullRss: Math.max(...samples.map((sample) => sample.peak)),
    cdc: Math.round(CHANGES / cdcSeconds),
    cdcRss: Math.round(peak),
  });
}
const drained = args.debezium
  ? await sideBySide({
      repo: REPO,
      source: SOURCE,
      sourceConnection: source,
      brokers: "127.0.0.1:39092",
      changes: Number(args["drain-changes"]),
      rowsPerTransaction: Number(args["rows-per-txn"]),
      rounds: Number(args.rounds),
      tools: String(args["drain-tools"]).split(","),
    })
  : [];
await source.end();

console.log(
  `\nMigration into Kafka (local stack, 3 partitions, hash-pk, acks=all, idempotent producer)\n` +
    `full load: ${ROWS.toLocaleString("en-US")} rows of ~200 bytes; incremental: backlog of ${CHANGES.toLocaleString("en-US")} changes\n`,
);
console.log(
  `| format | full load rows/s (median of ${LOAD_ROUNDS}) | each load | dts run peak RSS | incremental events/s | tailer peak RSS |`,
);
console.log("|---|---|---|---|---|---|");
for (const r of results)
  console.log(
    `| ${r.format} | ${median(r.full).toLocaleString("en-US")} | ${r.full.map((v) => v.toLocaleString("en-US")).join(", ")} | ${r.fullRss} MB | ${r.cdc.toLocaleString("en-US")} | ${r.cdcRss} MB |`,
  );

if (drained.length > 0) {
  const debezium = drained.find((r) => r.tool.startsWith("Debezium"));
  const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}x` : "");
  const n = (v: number) => Math.round(v).toLocaleString("en-US");
  console.log(
    `\nSide by side with Debezium: a backlog of ${Number(args["drain-changes"]).toLocaleString("en-US")} changes ` +
      `(inserts, then updates; ${args["rows-per-txn"]} rows per transaction) drained by each in turn, 3 partitions, ` +
      `keyed by row, acks=all; medians of ${args.rounds} rounds, order rotating\n`,
  );
  console.log(
    "| tool | events/s start→last | steady events/s (10-90%) | vs Debezium start→last | vs Debezium steady | peak RSS | CPU-s | events per CPU-s |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of drained)
    console.log(
      `| ${r.tool} | ${n(r.startToLast)} | ${n(r.steady)} | ${ratio(r.startToLast, debezium?.startToLast)} | ${ratio(r.steady, debezium?.steady)} | ${Math.round(r.peakRssMb)} MB | ${r.cpuSeconds.toFixed(1)} | ${n(Number(args["drain-changes"]) / Math.max(0.1, r.cpuSeconds))} |`,
    );
}
