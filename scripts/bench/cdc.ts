/**
 * npm run bench:cdc — incremental migration into MySQL on the local stack:
 *  1. backlog drain: stop the tailer, write N row changes (inserts and updates in 1,000-row
 *     transactions), start it again and time it until it has caught up (rows/s), sampling its RSS;
 *  2. steady state: offer a fixed rate of row changes and measure, per transaction, the time from
 *     its commit on the source to its arrival in the destination (p50, p99).
 *
 *   npm run bench:cdc -- [--changes 1000000] [--rate 2000] [--seconds 20]
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import mysql from "mysql2/promise";
import { localLauncher } from "#core/adapters/tailer-launcher.ts";
import { comparePositions } from "#core/model/position.ts";
import { defaultCheckpointStore, defaultTaskStore } from "#core/store/index.ts";
import { startTailer } from "#core/task/tailer-start.ts";
import { localEnvironment } from "../../local/environment.ts";
import { freshTask } from "./fresh-task.ts";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SOURCE = { host: "127.0.0.1", port: 33061, user: "root", password: "dts-root" };
const DESTINATION = { ...SOURCE, port: 33062 };
const DB = "bench_cdc";
const TASK = "bench-cdc";
const { values: args } = parseArgs({
  options: {
    changes: { type: "string", default: "1000000" },
    rate: { type: "string", default: "2000" },
    seconds: { type: "string", default: "20" },
  },
});
const CHANGES = Number(args.changes);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const dts = (...argv: string[]) =>
  execFileSync("node", ["bin/dts.js", ...argv], { cwd: REPO, encoding: "utf8" });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function sourcePosition(connection: mysql.Connection) {
  const [[row]] = (await connection.query("SHOW MASTER STATUS")) as unknown as [
    [{ File: string; Position: number }],
  ];
  return { file: row.File, position: Number(row.Position) };
}

async function waitCaughtUp(target: { file: string; position: number }, pid: number): Promise<number> {
  let peak = 0;
  for (;;) {
    peak = Math.max(peak, rssMb(pid));
    const checkpoint = (await defaultCheckpointStore().read(TASK))?.checkpoint?.position;
    if (checkpoint && comparePositions(checkpoint, target) >= 0) return peak;
    await sleep(100);
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

execFileSync("bash", [join(REPO, "scripts/stack/stack.sh"), "up"], { stdio: "inherit" });
const source = await mysql.createConnection({ ...SOURCE, multipleStatements: true });
const destination = await mysql.createConnection(DESTINATION);
freshTask(TASK);
await source.query(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB};
  CREATE TABLE ${DB}.events (id BIGINT NOT NULL PRIMARY KEY, k INT NOT NULL, c VARCHAR(100) NOT NULL,
    v DECIMAL(12,2) NOT NULL, at DATETIME(6) NOT NULL)`);
await destination.query(`DROP DATABASE IF EXISTS ${DB}`);
const spec = join(tmpdir(), "bench-cdc.json");
writeFileSync(
  spec,
  JSON.stringify({
    name: TASK,
    source: SOURCE,
    destination: { type: "mysql", ...DESTINATION },
    migrationTypes: ["schema", "full", "incremental"],
    objects: [{ database: DB }],
    heartbeat: true,
  }),
);
dts("run", spec, "--until", "caught-up");
dts("stop", TASK);

// 1. Backlog: half inserts, half updates, 1,000 rows per transaction.
process.stdout.write(
  `writing a backlog of ${CHANGES.toLocaleString("en-US")} row changes while the tailer is stopped...\n`,
);
const inserts = Math.ceil(CHANGES / 2);
for (let from = 1; from <= inserts; from += 1000) {
  const to = Math.min(inserts, from + 999);
  await source.query(
    `INSERT INTO ${DB}.events SELECT seq, seq MOD 1000, CONCAT('event-', seq, '-', MD5(seq)), seq / 100, NOW(6) FROM ${DB}.seq_${from}_to_${to}`,
  );
}
for (let from = 1; from <= CHANGES - inserts; from += 1000) {
  await source.query(
    `UPDATE ${DB}.events SET v = v + 1, k = k + 1 WHERE id BETWEEN ${from} AND ${from + 999}`,
  );
}
const backlogTarget = await sourcePosition(source);
const started = Date.now();
const launched = await startTailer(
  TASK,
  {
    checkpoints: defaultCheckpointStore(),
    store: defaultTaskStore(),
    launcher: localLauncher(REPO),
  },
  "resume",
);
const drainPeak = await waitCaughtUp(backlogTarget, Number(launched.id));
const drainSeconds = (Date.now() - started) / 1000;

// 2. Steady state at RATE rows/s: one 100-row transaction every 100 / RATE seconds.
process.stdout.write(`offering ${RATE} rows/s for ${SECONDS} s...\n`);
const batches: { lastId: number; committedAt: number; seenAt?: number }[] = [];
let nextId = inserts + 1;
let steadyPeak = 0;
let polling = true;
const poller = (async () => {
  while (polling) {
    const [[row]] = (await destination.query(
      `SELECT COALESCE(MAX(id), 0) AS id FROM ${DB}.events`,
    )) as unknown as [[{ id: number | string }]];
    const now = Date.now();
    for (const batch of batches)
      if (batch.seenAt === undefined && batch.lastId <= Number(row.id)) batch.seenAt = now;
    steadyPeak = Math.max(steadyPeak, rssMb(Number(launched.id)));
    await sleep(20);
  }
})();
const interval = (100 / RATE) * 1000;
const steadyStart = Date.now();
for (let i = 0; Date.now() - steadyStart < SECONDS * 1000; i++) {
  const due = steadyStart + i * interval;
  if (due > Date.now()) await sleep(due - Date.now());
  const from = nextId;
  nextId += 100;
  await source.query(
    `INSERT INTO ${DB}.events SELECT seq, seq MOD 1000, CONCAT('live-', seq), 1.5, NOW(6) FROM ${DB}.seq_${from}_to_${from + 99}`,
  );
  batches.push({ lastId: from + 99, committedAt: Date.now() });
}
const steadyTarget = await sourcePosition(source);
await waitCaughtUp(steadyTarget, Number(launched.id));
await sleep(200);
polling = false;
await poller;
// The figures mean something only if the tailer launched for the backlog ran until here.
try {
  process.kill(Number(launched.id), 0);
} catch {
  console.error(
    `the tailer (pid ${launched.id}) stopped during the benchmark: see .stack/tailer-${TASK}.log`,
  );
  process.exit(1);
}
const latencies = batches
  .filter((b) => b.seenAt !== undefined)
  .map((b) => (b.seenAt as number) - b.committedAt);
dts("stop", TASK);
await source.end();
await destination.end();

const rows: [string, string][] = [
  [
    "backlog",
    `${CHANGES.toLocaleString("en-US")} row changes (${inserts.toLocaleString("en-US")} inserts, ${(CHANGES - inserts).toLocaleString("en-US")} updates), 1,000 per transaction`,
  ],
  ["backlog drain", `${drainSeconds.toFixed(1)} s`],
  ["drain rate", `${Math.round(CHANGES / drainSeconds).toLocaleString("en-US")} rows/s`],
  ["tailer peak RSS while draining", `${Math.round(drainPeak)} MB`],
  [
    "steady state offered",
    `${RATE.toLocaleString("en-US")} rows/s for ${SECONDS} s (${batches.length} transactions of 100 rows)`,
  ],
  ["commit-to-destination latency p50", `${percentile(latencies, 50)} ms`],
  ["commit-to-destination latency p99", `${percentile(latencies, 99)} ms`],
  ["tailer peak RSS, steady state", `${Math.round(steadyPeak)} MB`],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log("\nIncremental migration into MySQL (local stack, same machine)\n");
console.log(`| ${"measure".padEnd(width)} | value |`);
console.log(`|${"-".repeat(width + 2)}|-------|`);
for (const [k, v] of rows) console.log(`| ${k.padEnd(width)} | ${v} |`);
console.log(
  "\nLatency is measured per transaction: commit on the source -> first seen in the destination (20 ms polling).",
);
