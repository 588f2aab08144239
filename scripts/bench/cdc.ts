/**
 * npm run bench:cdc — incremental migration into MySQL on the local stack, side by side with the
 * database's own replication. For each backlog shape and round:
 *  1. a new `bench_cdc` on the source (the shape's table and its initial rows), a new dts task
 *     (schema + full + incremental into the stack's destination) run until caught up, then paused;
 *  2. two native MariaDB replicas (1 SQL thread; 4 optimistic parallel threads; ports 33081-33082,
 *     scripts/bench/cdc-replica.ts) get the same snapshot and are pointed at the same position;
 *  3. the backlog is written while nothing consumes it;
 *  4. each drainer in turn (the order alternates between rounds) drains it, timed up to the source
 *     position taken after the backlog: each replica (START SLAVE to MASTER_POS_WAIT), then the
 *     tailer (startTailer "resume" to its checkpoint; it must run throughout, then it is paused);
 *  5. the table's checksum on the source, both replicas and the destination must be equal.
 * Shapes: `oltp` (sysbench-like small transactions from 4 writers: scripts/bench/cdc-oltp.ts) and
 * `big` (1,000-row transactions, half inserts, half updates). Then the tailer under steady load:
 * `--rate` rows/s for `--seconds` (0: skip), commit-to-destination latency p50/p99.
 *
 *   npm run bench:cdc -- [--shapes oltp,big] [--rounds 3] [--oltp-txns 150000] [--oltp-rows 100000]
 *                        [--writers 4] [--changes 1000000] [--rate 2000] [--seconds 20]
 */
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import mysql from "mysql2/promise";
import { localEnvironment } from "../../local/environment.ts";
import { DESTINATION, markBacklogEnd, REPO, SOURCE, sourcePosition, thousands } from "./cdc-common.ts";
import { oltpShape } from "./cdc-oltp.ts";
import { drainReplica, loadSnapshot, purgeReplicas, REPLICAS, startReplicas } from "./cdc-replica.ts";
import { type RoundResult, shapeTable, steadyTable } from "./cdc-report.ts";
import { bigShape, type Checksum, checksum, createDatabase, type Shape } from "./cdc-shapes.ts";
import { createTask, drainWithTailer, steadyState, type TailerDrain } from "./cdc-tailer.ts";
import { quiesce } from "./quiesce.ts";

const { values: args } = parseArgs({
  options: {
    shapes: { type: "string", default: "oltp,big" },
    rounds: { type: "string", default: "3" },
    "oltp-txns": { type: "string", default: "150000" },
    "oltp-rows": { type: "string", default: "100000" },
    writers: { type: "string", default: "4" },
    changes: { type: "string", default: "1000000" },
    rate: { type: "string", default: "2000" },
    seconds: { type: "string", default: "20" },
  },
});
const ROUNDS = Number(args.rounds);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const available: Record<string, () => Shape> = {
  oltp: () =>
    oltpShape({
      transactions: Number(args["oltp-txns"]),
      rows: Number(args["oltp-rows"]),
      writers: Number(args.writers),
    }),
  big: () => bigShape(Number(args.changes)),
};
const shapes = args.shapes.split(",").map((name) => {
  const make = available[name.trim()];
  if (!make) throw new Error(`unknown shape ${name} (oltp, big)`);
  return make();
});
if (!(ROUNDS >= 1)) throw new Error("--rounds must be at least 1");
for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const commandStart = Date.now();
const say = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

/** Lets every server write its dirty pages, so no drainer pays for the previous one's writes. */
async function quiesceAll(): Promise<void> {
  await Promise.all([SOURCE, DESTINATION, ...REPLICAS.map((r) => r.server)].map((server) => quiesce(server)));
}

async function runRound(shape: Shape, round: number): Promise<RoundResult> {
  const tag = `[${shape.name} ${round}/${ROUNDS}]`;
  let since = Date.now();
  const source = await mysql.createConnection({ ...SOURCE, multipleStatements: true });
  await createDatabase(source);
  await shape.create(source);
  await source.end();
  await createTask();
  const snapshot = await sourcePosition();
  await loadSnapshot(snapshot);
  say(
    `${tag} table, task (run, paused) and replica snapshots at ${snapshot.file}:${snapshot.position} in ${seconds(since)} s`,
  );

  since = Date.now();
  const backlog = await shape.write();
  const target = await markBacklogEnd();
  const expected = await checksum(SOURCE, shape);
  say(
    `${tag} backlog written in ${seconds(since)} s: ${thousands(backlog.transactions)} transactions, ${thousands(backlog.rowChanges)} row changes (${backlog.detail}); up to ${target.file}:${target.position}`,
  );

  const replicaSeconds: number[] = [];
  let tailer: TailerDrain | undefined;
  const sums: [string, Checksum][] = [["source", expected]];
  const drainers = [
    ...REPLICAS.map((replica, i) => async () => {
      replicaSeconds[i] = await drainReplica(replica, target);
      sums.push([replica.short, await checksum(replica.server, shape)]);
      say(`${tag} ${replica.label}: ${(replicaSeconds[i] as number).toFixed(2)} s`);
    }),
    async () => {
      tailer = await drainWithTailer(target);
      sums.push(["destination", await checksum(DESTINATION, shape)]);
      say(
        `${tag} tailer: ${tailer.alone.toFixed(2)} s drain alone, ${tailer.whole.toFixed(2)} s with its launch, peak RSS ${Math.round(tailer.peakRss)} MB`,
      );
    },
  ];
  for (const drain of round % 2 === 1 ? drainers : [...drainers].reverse()) {
    await quiesceAll();
    await drain();
  }
  const line = sums.map(([where, sum]) => `${where} ${thousands(sum.rows)} rows / ${sum.hash}`).join(", ");
  const equal = sums.every(([, sum]) => sum.rows === expected.rows && sum.hash === expected.hash);
  if (!equal) throw new Error(`${tag} CHECKSUMS DIFFER: ${line}`);
  say(`${tag} checksums equal: ${line}`);
  return { backlog, replicas: replicaSeconds, tailer: tailer as TailerDrain };
}

execFileSync("bash", [`${REPO}scripts/stack/stack.sh`, "up"], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    purgeReplicas();
    process.exit(130);
  });
const reports: string[] = [];
try {
  startReplicas();
  for (const shape of shapes) {
    const rounds: RoundResult[] = [];
    for (let round = 1; round <= ROUNDS; round++) rounds.push(await runRound(shape, round));
    reports.push(shapeTable(shape.title, REPLICAS, rounds));
    say(reports.at(-1) as string);
  }
  if (SECONDS > 0) {
    say(`\noffering ${RATE} rows/s for ${SECONDS} s to the tailer...`);
    reports.push(steadyTable(RATE, SECONDS, await steadyState(RATE, SECONDS)));
  }
  say(`\n===== bench:cdc (local stack, one machine; ${new Date().toISOString()})`);
  for (const report of reports) say(report);
  say(
    "\nReplica: MariaDB replicating bench_cdc only (no binlog, same settings as the destination), from START SLAVE until MASTER_POS_WAIT reaches the source position after the backlog (its IO thread reads the binlog meanwhile)." +
      "\nTailer: drain alone = from its lease (connected, about to read the binlog) until its checkpoint reaches that position; launch + drain adds the process start." +
      "\nratio = replica seconds / tailer seconds (> 1: the tailer is faster); rates and ratios are medians of the per-round values.",
  );
  say(`whole command: ${seconds(commandStart)} s`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  purgeReplicas();
}
