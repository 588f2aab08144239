import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Debezium's MariaDB connector (3.5.0.Final) on Kafka Connect standalone (4.1.1), started from
 * Maven Central jars as the stack starts Kafka: the competitor bench:kafka drains side by side.
 * Tuned as a competent user would: batches of 8,192 events, a 32,768-event queue, linger 10 ms,
 * 512 KiB producer batches, acks=all and idempotence, JSON without schemas.
 */
export interface DebeziumOptions {
  repo: string;
  /** Where the worker's offsets and logs live; kept between starts so it resumes. */
  dir: string;
  source: { host: string; port: number; user: string; password: string };
  brokers: string;
  database: string;
  table: string;
  /** Topic prefix: rows go to `<prefix>.<database>.<table>`. */
  prefix: string;
}

/** The connector's jars, resolved once with Maven (cached until the pom changes). */
export function debeziumClasspath(repo: string): string {
  const pom = join(repo, "scripts/bench/debezium/pom.xml");
  const cached = join(repo, ".stack/debezium.classpath");
  if (existsSync(cached) && statSync(cached).mtimeMs > statSync(pom).mtimeMs)
    return readFileSync(cached, "utf8").trim();
  process.stdout.write("resolving Debezium and Kafka Connect jars with Maven (first run only)...\n");
  mkdirSync(join(repo, ".stack"), { recursive: true });
  execFileSync("mvn", ["-B", "-q", "-f", pom, "dependency:build-classpath", `-Dmdep.outputFile=${cached}`], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  return readFileSync(cached, "utf8").trim();
}

export interface RunningDebezium {
  child: ChildProcess;
  pid: number;
  /** SIGTERM, then waits: Connect commits the offsets of what was sent before it exits. */
  stop(): Promise<void>;
}

function properties(values: Record<string, string | number>): string {
  return `${Object.entries(values)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n")}\n`;
}

export function startDebezium(options: DebeziumOptions): RunningDebezium {
  const { dir, source } = options;
  mkdirSync(dir, { recursive: true });
  const worker = join(dir, "worker.properties");
  const connector = join(dir, "connector.properties");
  writeFileSync(
    worker,
    properties({
      "bootstrap.servers": options.brokers,
      "key.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "key.converter.schemas.enable": "false",
      "value.converter.schemas.enable": "false",
      "offset.storage.file.filename": join(dir, "offsets"),
      "offset.flush.interval.ms": 1000,
      "producer.linger.ms": 10,
      "producer.batch.size": 524_288,
      "producer.acks": "all",
      "producer.enable.idempotence": "true",
      listeners: "http://127.0.0.1:38083",
    }),
  );
  writeFileSync(
    connector,
    properties({
      name: `${options.prefix}-bench`,
      "connector.class": "io.debezium.connector.mariadb.MariaDbConnector",
      "tasks.max": 1,
      "database.hostname": source.host,
      "database.port": source.port,
      "database.user": source.user,
      "database.password": source.password,
      "database.server.id": 9901,
      "topic.prefix": options.prefix,
      "database.include.list": options.database,
      "table.include.list": `${options.database}.${options.table}`,
      // Streams from where the source is at its first start; the offsets file thereafter.
      "snapshot.mode": "no_data",
      "schema.history.internal.kafka.bootstrap.servers": options.brokers,
      "schema.history.internal.kafka.topic": `${options.prefix}-history`,
      // Only the captured table's DDL is read and parsed: other databases of a shared source may
      // hold types Debezium's parser refuses (MariaDB's UUID, INET6).
      "schema.history.internal.store.only.captured.databases.ddl": "true",
      "schema.history.internal.store.only.captured.tables.ddl": "true",
      "include.schema.changes": "false",
      "max.batch.size": 8192,
      "max.queue.size": 32_768,
    }),
  );
  const log = openSync(join(dir, "connect.log"), "a");
  const child = spawn(
    "java",
    [
      `-Dlog4j.configuration=file:${join(options.repo, "scripts/bench/debezium/log4j.properties")}`,
      "-cp",
      debeziumClasspath(options.repo),
      "org.apache.kafka.connect.cli.ConnectStandalone",
      worker,
      connector,
    ],
    { stdio: ["ignore", log, log] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    pid: child.pid ?? 0,
    async stop() {
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}
