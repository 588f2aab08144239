/**
 * npm run bench:full — full-load throughput against the peers, in one run on the same servers:
 * `dts run` (schema + full), mydumper + myloader at their best thread count, and
 * `mariadb-dump | mariadb`. Prints rows/s, MB/s, the ratio of ours to each peer, and peak RSS,
 * and the full-load ETA `dts plan` gave before each run against the chunked copy's measured time.
 *
 *   npm run bench:full -- [--rows 1000000] [--threads 2,4,8] [--regenerate] [--only-dts]
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import mysql from "mysql2/promise";
import { freshTask } from "./fresh-task.ts";
import { quiesce } from "./quiesce.ts";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SOURCE = { host: "127.0.0.1", port: 33061, user: "root", password: "dts-root" };
const DESTINATION = { ...SOURCE, port: 33062 };
const DB = "bench_full";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    threads: { type: "string", default: "2,4,8" },
    regenerate: { type: "boolean", default: false },
    repeat: { type: "string", default: "3" },
    // dts alone (no peers, no mydumper needed): its time and the plan's ETA.
    "only-dts": { type: "boolean", default: false },
  },
});
const ROWS = Number(args.rows);

async function query(server: typeof SOURCE, sql: string): Promise<Record<string, unknown>[]> {
  const connection = await mysql.createConnection(server);
  try {
    return (await connection.query(sql))[0] as Record<string, unknown>[];
  } finally {
    await connection.end();
  }
}

function ensureTools(): void {
  execFileSync("bash", [join(REPO, "scripts/stack/stack.sh"), "up"], { stdio: "inherit" });
  if (args["only-dts"]) return;
  const missing = ["mydumper", "myloader", "mariadb-dump"].filter((tool) => {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.error(`missing ${missing.join(", ")}: run  sudo apt-get install -y mydumper mariadb-client`);
    process.exit(1);
  }
  execFileSync(
    "sh",
    ["-c", "apt-get install -y -qq mydumper || (apt-get update -qq && apt-get install -y -qq mydumper)"],
    {
      stdio: "inherit",
    },
  );
}

/** ~220 bytes per row of mixed types; regenerated only when the row count differs. */
async function generate(): Promise<{ bytes: number }> {
  const present = await query(SOURCE, `SELECT COUNT(*) AS n FROM ${DB}.items`).catch(() => [{ n: -1 }]);
  if (args.regenerate || Number(present[0]?.n) !== ROWS) {
    process.stdout.write(`generating ${ROWS} rows in ${DB}.items on the source...\n`);
    const connection = await mysql.createConnection({ ...SOURCE, multipleStatements: true });
    await connection.query(`
      DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB};
      CREATE TABLE ${DB}.items (
        id BIGINT UNSIGNED NOT NULL PRIMARY KEY, k INT NOT NULL, c CHAR(100) NOT NULL, pad VARCHAR(60) NOT NULL,
        amount DECIMAL(12,2) NOT NULL, score DOUBLE, created DATETIME(6) NOT NULL, flag TINYINT NOT NULL,
        KEY k_idx (k)) ENGINE=InnoDB;
      INSERT INTO ${DB}.items SELECT seq, seq * 7919 MOD 1000003, RPAD(CONCAT('item-', seq, '-', MD5(seq)), 100, 'x'),
        SUBSTRING(SHA2(seq, 256), 1, 40 + seq MOD 20), (seq MOD 100000) / 100, IF(seq MOD 10 = 0, NULL, seq / 3),
        '2020-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL seq MOD 1000000 MICROSECOND, seq MOD 2
        FROM ${DB}.seq_1_to_${ROWS};
      ANALYZE TABLE ${DB}.items;`);
    await connection.end();
  }
  const [size] = await query(
    SOURCE,
    `SELECT DATA_LENGTH AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${DB}' AND TABLE_NAME = 'items'`,
  );
  return { bytes: Number(size?.bytes) };
}

interface Result {
  tool: string;
  seconds: number;
  peakRssMb?: number;
}

/** Runs a shell command under GNU time (peak RSS of the command's largest process). */
function timed(command: string): Promise<{ seconds: number; peakRssMb: number | undefined }> {
  const rssFile = join(tmpdir(), `bench-rss-${process.pid}`);
  const hasTime = existsSync("/usr/bin/time");
  const argv = hasTime
    ? ["/usr/bin/time", "-f", "%M", "-o", rssFile, "sh", "-c", command]
    : ["sh", "-c", command];
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: REPO,
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.on("exit", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`${command} exited ${code}`));
      const rss = hasTime
        ? Number(readFileSync(rssFile, "utf8").trim().split("\n").at(-1)) / 1024
        : undefined;
      resolve({ seconds, peakRssMb: rss });
    });
  });
}

/** Drops the copy and waits until both servers have flushed the previous run's dirty pages. */
async function resetDestination(): Promise<void> {
  await query(DESTINATION, `DROP DATABASE IF EXISTS ${DB}`);
  await quiesce(DESTINATION);
  await quiesce(SOURCE);
}

const REPEAT = Number(args.repeat);

/** The median run of a contender (by its first result's seconds). */
function median(runs: Result[][]): Result[] {
  const sorted = [...runs].sort((a, b) => (a[0]?.seconds ?? 0) - (b[0]?.seconds ?? 0));
  return sorted[Math.floor(sorted.length / 2)] ?? [];
}

async function checkCopied(tool: string): Promise<void> {
  const [row] = await query(DESTINATION, `SELECT COUNT(*) AS n FROM ${DB}.items`);
  if (Number(row?.n) !== ROWS) throw new Error(`${tool} copied ${row?.n} rows, expected ${ROWS}`);
}

/** `dts plan`'s ETA and the measured chunked copy of each measured run (seconds). */
const etaRuns: { eta: number; measured: number }[] = [];

async function runDts(): Promise<Result[]> {
  const dir = mkdtempSync(join(tmpdir(), "bench-dts-"));
  const spec = join(dir, "spec.json");
  writeFileSync(
    spec,
    JSON.stringify({
      name: "bench-full",
      source: SOURCE,
      destination: { type: "mysql", ...DESTINATION },
      migrationTypes: ["schema", "full"],
      objects: [{ database: DB }],
      fullLoad: { chunkRows: 50_000, parallelism: 4 },
    }),
  );
  await resetDestination();
  freshTask("bench-full");
  // What `dts plan` predicts for the chunked copy, read just before the run (it writes nothing).
  const plan = JSON.parse(
    execFileSync("node", ["bin/dts.js", "plan", spec, "--json"], { cwd: REPO, encoding: "utf8" }),
  ) as { eta?: { seconds?: number } };
  const run = await timed(`node bin/dts.js run ${spec}`);
  await checkCopied("dts");
  const status = JSON.parse(
    execFileSync("node", ["bin/dts.js", "status", "bench-full", "--json"], { cwd: REPO, encoding: "utf8" }),
  ) as {
    fullLoad: { startedAt: string; completedAt: string };
  };
  const copySeconds =
    (Date.parse(status.fullLoad.completedAt) - Date.parse(status.fullLoad.startedAt)) / 1000;
  rmSync(dir, { recursive: true, force: true });
  etaRuns.push({ eta: plan.eta?.seconds ?? Number.NaN, measured: copySeconds });
  return [
    { tool: "dts run (schema + full, whole command)", seconds: run.seconds, peakRssMb: run.peakRssMb },
    { tool: "  of which the chunked copy", seconds: copySeconds },
  ];
}

/** One untimed `dts run` fills the definition cache, as every later run on a checkout finds it. */
async function warmUp(): Promise<void> {
  await runDts();
}

/**
 * myloader 0.10 (Debian 12) sometimes aborts on an InnoDB deadlock between its own threads
 * (seen at 2 threads): a run that fails is repeated, up to three tries, and the retry is reported.
 */
async function runMydumper(threads: number): Promise<Result> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runMydumperOnce(threads);
    } catch (error) {
      if (attempt >= 3) throw error;
      console.error(
        `mydumper + myloader, ${threads} threads, failed (${(error as Error).message}); trying again`,
      );
    }
  }
}

async function runMydumperOnce(threads: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), "bench-mydumper-"));
  try {
    await resetDestination();
    const auth = "-h 127.0.0.1 -u root -p dts-root";
    const dump = await timed(`mydumper ${auth} -P 33061 -B ${DB} -t ${threads} -r 50000 -o ${dir}/dump`);
    const load = await timed(`myloader ${auth} -P 33062 -d ${dir}/dump -t ${threads} -o`);
    await checkCopied("mydumper + myloader");
    return {
      tool: `mydumper + myloader, ${threads} threads`,
      seconds: dump.seconds + load.seconds,
      peakRssMb: Math.max(dump.peakRssMb ?? 0, load.peakRssMb ?? 0) || undefined,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runMariadbDump(): Promise<Result> {
  await resetDestination();
  const run = await timed(
    `mariadb-dump -h 127.0.0.1 -P 33061 -u root -pdts-root --databases ${DB} | mariadb -h 127.0.0.1 -P 33062 -u root -pdts-root`,
  );
  await checkCopied("mariadb-dump | mariadb");
  return { tool: "mariadb-dump, piped to mariadb", seconds: run.seconds, peakRssMb: run.peakRssMb };
}

function table(results: Result[], bytes: number): string {
  const [ours] = results;
  const rows = [["tool", "seconds", "rows/s", "MB/s", "ours vs this", "peak RSS"]];
  for (const r of results) {
    const ratio =
      ours && r !== ours && !r.tool.startsWith("  ") ? `${(r.seconds / ours.seconds).toFixed(2)}x` : "";
    rows.push([
      r.tool,
      r.seconds.toFixed(2),
      Math.round(ROWS / r.seconds).toLocaleString("en-US"),
      (bytes / 1048576 / r.seconds).toFixed(1),
      ratio,
      r.peakRssMb ? `${Math.round(r.peakRssMb)} MB` : "",
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [
    line(rows[0] ?? []),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.slice(1).map(line),
  ].join("\n");
}

ensureTools();
const { bytes } = await generate();
await warmUp();
etaRuns.length = 0;
// Rounds interleave the contenders, so a slow minute of the machine does not fall on one of them.
const threadCounts = String(args.threads).split(",").map(Number);
const dtsRuns: Result[][] = [];
const mydumperRuns = new Map<number, Result[][]>(threadCounts.map((t) => [t, []]));
for (let round = 0; round < REPEAT; round++) {
  dtsRuns.push(await runDts());
  if (args["only-dts"]) continue;
  for (const threads of threadCounts) mydumperRuns.get(threads)?.push([await runMydumper(threads)]);
}
const results: Result[] = median(dtsRuns);
const mydumper: Result[] = [...mydumperRuns.values()].flatMap(median);
if (!args["only-dts"]) {
  const best = mydumper.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  results.push(best, await runMariadbDump());
}
console.log(
  `\nFull load of ${ROWS.toLocaleString("en-US")} rows (${(bytes / 1048576).toFixed(0)} MB of InnoDB data), same servers, same run, median of ${REPEAT} runs`,
);
if (mydumper.length > 0)
  console.log(
    `mydumper thread counts tried: ${mydumper.map((m) => `${m.tool.split(", ")[1]} ${m.seconds.toFixed(2)} s`).join("; ")}\n`,
  );
console.log(table(results, bytes));
console.log("\n'ours vs this' > 1 means dts was faster (the peer took that many times as long).");
console.log(
  `\ndts plan's full-load ETA vs the measured chunked copy, per run: ${etaRuns
    .map((r) => `${r.eta.toFixed(2)} s vs ${r.measured.toFixed(2)} s (${(r.eta / r.measured).toFixed(2)}x)`)
    .join("; ")}`,
);
