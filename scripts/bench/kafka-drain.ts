import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import type mysql from "mysql2/promise";
import { localLauncher } from "#core/adapters/tailer-launcher.ts";
import { defaultCheckpointStore, defaultTaskStore } from "#core/store/index.ts";
import { startTailer } from "#core/task/tailer-start.ts";
import { cpuSeconds, dtsOutput, rssMb, sleep } from "./cdc-common.ts";
import { startDebezium } from "./debezium.ts";
import { createEventsTable } from "./events-table.ts";
import { freshTask } from "./fresh-task.ts";

/**
 * The side-by-side drain of bench:kafka: one backlog of row changes (inserts, then updates of the
 * same rows; `rowsPerTransaction` per transaction) is written while nothing reads, then drained by
 * each tool in turn, each positioned where the backlog starts: Debezium's MariaDB connector (JSON
 * without schemas) and the dts tailer in each format, into 3-partition topics, keyed by row.
 * Counted from outside, on the topics' end offsets, the same way for every tool.
 */
export interface DrainOptions {
  repo: string;
  source: { host: string; port: number; user: string; password: string };
  sourceConnection: mysql.Connection;
  brokers: string;
  changes: number;
  rowsPerTransaction: number;
  rounds: number;
  /** Which tools drain (all by default): "debezium", "canal-json", "dts-avro". */
  tools?: readonly string[];
}

interface Drainer {
  name: string;
  topic: string;
  start(): Promise<number>;
  stop(): Promise<void>;
}

export interface DrainResult {
  tool: string;
  /** Events per second from the process start to the last event. */
  startToLast: number;
  /** Events per second between 10% and 90% of the backlog. */
  steady: number;
  peakRssMb: number;
  cpuSeconds: number;
}

const DB = "bench_drain";

async function topicCount(admin: ReturnType<Kafka["admin"]>, topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
}

/** Starts the drainer and samples it until its topic grew by `expected` events. */
async function drain(
  admin: ReturnType<Kafka["admin"]>,
  drainer: Drainer,
  expected: number,
): Promise<DrainResult> {
  const base = await topicCount(admin, drainer.topic);
  const started = Date.now();
  const pid = await drainer.start();
  let peak = 0;
  let cpu = 0;
  let at10 = 0;
  let at90 = 0;
  for (;;) {
    peak = Math.max(peak, rssMb(pid));
    cpu = Math.max(cpu, cpuSeconds(pid));
    const done = (await topicCount(admin, drainer.topic)) - base;
    const now = Date.now();
    if (!at10 && done >= expected * 0.1) at10 = now;
    if (!at90 && done >= expected * 0.9) at90 = now;
    if (done >= expected) break;
    if (now - started > 600_000)
      throw new Error(`${drainer.name} drained ${done} of ${expected} in 10 minutes`);
    await sleep(100);
  }
  const finished = Date.now();
  cpu = Math.max(cpu, cpuSeconds(pid));
  await drainer.stop();
  return {
    tool: drainer.name,
    startToLast: expected / ((finished - started) / 1000),
    steady: (expected * 0.8) / (Math.max(1, at90 - at10) / 1000),
    peakRssMb: peak,
    cpuSeconds: cpu,
  };
}

/** Inserts then updates `changes` rows in transactions of `perTransaction` rows (autocommit statements). */
async function writeBacklog(
  source: mysql.Connection,
  firstId: number,
  changes: number,
  perTransaction: number,
): Promise<number> {
  const inserts = Math.ceil(changes / 2);
  const statements: string[] = [];
  for (let from = firstId; from < firstId + inserts; from += perTransaction) {
    const to = Math.min(firstId + inserts - 1, from + perTransaction - 1);
    statements.push(
      `INSERT INTO ${DB}.events SELECT seq, seq MOD 1000, CONCAT('live-', seq), MD5(seq), 1.5, NOW(6) FROM ${DB}.seq_${from}_to_${to}`,
    );
  }
  for (let from = firstId; from < firstId + changes - inserts; from += perTransaction)
    statements.push(
      `UPDATE ${DB}.events SET v = v + 1 WHERE id BETWEEN ${from} AND ${Math.min(firstId + changes - inserts - 1, from + perTransaction - 1)}`,
    );
  for (let i = 0; i < statements.length; i += 500) await source.query(statements.slice(i, i + 500).join(";"));
  return firstId + inserts;
}

async function createTopic(admin: ReturnType<Kafka["admin"]>, topic: string): Promise<string> {
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  return topic;
}

/** A dts task of one format, incremental only, its tailer started and stopped per drain. */
async function dtsDrainer(
  options: DrainOptions,
  admin: ReturnType<Kafka["admin"]>,
  format: "canal-json" | "dts-avro",
  suffix: string,
): Promise<Drainer> {
  const task = `bench-drain-${format}`;
  freshTask(task);
  const topic = await createTopic(admin, `bench-drain-${format}-${suffix}`);
  const spec = join(tmpdir(), `${task}.json`);
  writeFileSync(
    spec,
    JSON.stringify({
      name: task,
      source: options.source,
      destination: { type: "kafka", brokers: [options.brokers], topic, format, partitionPolicy: "hash-pk" },
      migrationTypes: ["incremental"],
      objects: [{ database: DB }],
    }),
  );
  const started = dtsOutput("run", spec, "--until", "caught-up");
  if (!/caught up/.test(started)) throw new Error(`dts run ${task} did not catch up:\n${started}`);
  dtsOutput("stop", task);
  return {
    name: `dts ${format}`,
    topic,
    async start() {
      const launched = await startTailer(
        task,
        {
          checkpoints: defaultCheckpointStore(),
          store: defaultTaskStore(),
          launcher: localLauncher(options.repo),
        },
        "resume",
      );
      return Number(launched.id);
    },
    async stop() {
      dtsOutput("stop", task);
    },
  };
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, "connect.log"), "utf8");
  } catch {
    return "";
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Starts Debezium, then writes the marker once it streams, and stops it once the marker is read. */
async function startBeforeMarker(
  options: DrainOptions,
  admin: ReturnType<Kafka["admin"]>,
  debeziumDrainer: Drainer,
  debeziumDir: string,
  debeziumTopic: string,
): Promise<void> {
  await debeziumDrainer.start();
  try {
    for (let waited = 0; !/Starting streaming/.test(readLog(debeziumDir)); waited += 200) {
      if (waited > 120_000)
        throw new Error(`Debezium did not start streaming; see ${debeziumDir}/connect.log`);
      await sleep(200);
    }
    await options.sourceConnection.query(`INSERT INTO ${DB}.events VALUES (0, 0, 'marker', '', 0, NOW(6))`);
    for (let waited = 0; (await topicCount(admin, debeziumTopic)) < 1; waited += 200) {
      if (waited > 60_000)
        throw new Error(`Debezium did not write the marker; see ${debeziumDir}/connect.log`);
      await sleep(200);
    }
  } finally {
    // A Connect worker whose connector failed keeps running (and its port): it never outlives the bench.
    await debeziumDrainer.stop();
  }
}

/** Runs the rounds and returns each tool's medians, Debezium first. */
export async function sideBySide(options: DrainOptions): Promise<DrainResult[]> {
  const admin = new Kafka({ brokers: [options.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const suffix = Date.now().toString(36);
  await createEventsTable(options.sourceConnection, DB, 0);
  const prefix = `dbz${suffix}`;
  const debeziumDir = join(options.repo, ".stack", `bench-debezium-${suffix}`);
  const debeziumTopic = await createTopic(admin, `${prefix}.${DB}.events`);
  let debezium: ReturnType<typeof startDebezium> | undefined;
  const wanted = (tool: string) => !options.tools || options.tools.includes(tool);
  const debeziumDrainer: Drainer | undefined = wanted("debezium")
    ? {
        name: "Debezium 3.5 (JSON)",
        topic: debeziumTopic,
        async start() {
          debezium = startDebezium({
            repo: options.repo,
            dir: debeziumDir,
            source: options.source,
            brokers: options.brokers,
            database: DB,
            table: "events",
            prefix,
          });
          return debezium.pid;
        },
        async stop() {
          await debezium?.stop();
        },
      }
    : undefined;
  const drainers: Drainer[] = debeziumDrainer ? [debeziumDrainer] : [];
  for (const format of ["canal-json", "dts-avro"] as const)
    if (wanted(format)) drainers.push(await dtsDrainer(options, admin, format, suffix));
  // Every tool reads one marker change, so each stands where the first backlog starts. Debezium
  // starts streaming from where the source is at its first start: it must run before the marker.
  if (debeziumDrainer) await startBeforeMarker(options, admin, debeziumDrainer, debeziumDir, debeziumTopic);
  else
    await options.sourceConnection.query(`INSERT INTO ${DB}.events VALUES (0, 0, 'marker', '', 0, NOW(6))`);
  for (const drainer of drainers.slice(debeziumDrainer ? 1 : 0)) await drain(admin, drainer, 1);
  let nextId = 1;
  const results = new Map<string, DrainResult[]>();
  for (let round = 0; round < options.rounds; round++) {
    process.stdout.write(
      `round ${round + 1}: backlog of ${options.changes.toLocaleString("en-US")} changes, ${options.rowsPerTransaction} rows per transaction...\n`,
    );
    nextId = await writeBacklog(
      options.sourceConnection,
      nextId,
      options.changes,
      options.rowsPerTransaction,
    );
    // Each round starts with the next tool, so none always drains first.
    const order = drainers.map((_, i) => drainers[(i + round) % drainers.length] as Drainer);
    for (const drainer of order) {
      const result = await drain(admin, drainer, options.changes);
      process.stdout.write(
        `  ${drainer.name}: ${Math.round(result.startToLast).toLocaleString("en-US")} events/s start to last, ${Math.round(result.steady).toLocaleString("en-US")} steady\n`,
      );
      results.set(drainer.name, [...(results.get(drainer.name) ?? []), result]);
    }
  }
  await admin.disconnect();
  return drainers.map((d) => {
    const runs = results.get(d.name) ?? [];
    return {
      tool: d.name,
      startToLast: median(runs.map((r) => r.startToLast)),
      steady: median(runs.map((r) => r.steady)),
      peakRssMb: median(runs.map((r) => r.peakRssMb)),
      cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    };
  });
}
