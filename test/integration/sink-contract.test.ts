import type { Connection } from "mysql2/promise";
import mysql from "mysql2/promise";
import { openChangeSink } from "#core/sinks/open.ts";
import { readCatalog } from "#core/source/catalog-reader.ts";
import { openSource } from "#core/source/connection.ts";
import { createTopic, decodeAvro, decodeCanal, readTopic, rebuild, sourceRows } from "../support/kafka.ts";
import { type ContractNames, fixtureDdl, type SinkDriver, sinkContract } from "../support/sink-contract.ts";
import { STACK, sql } from "../support/stack.ts";

/** The fixture's tables on the source, and the catalog the task reads there. */
async function sourceCatalog(names: ContractNames) {
  await sql(STACK.source.port, [
    `DROP DATABASE IF EXISTS \`${names.source}\``,
    `CREATE DATABASE \`${names.source}\``,
    ...fixtureDdl(names.source, "source"),
  ]);
  const connection = await mysql.createConnection(STACK.source);
  try {
    return await readCatalog(connection, [names.source]);
  } finally {
    await connection.end();
  }
}

/** What both real drivers share: the source side, the sink as openChangeSink builds it, cleanup. */
function realDriver(
  prepare: SinkDriver["prepare"],
  read: (names: ContractNames) => ReturnType<SinkDriver["read"]>,
  databases: (names: ContractNames) => { port: number; database: string }[],
): SinkDriver {
  let names: ContractNames | undefined;
  let source: Connection | undefined;
  return {
    async prepare(n) {
      names = n;
      return prepare(n);
    },
    catalog: sourceCatalog,
    async open(task) {
      source = await openSource(task.source);
      return openChangeSink(task, undefined, source);
    },
    read: () => read(names as ContractNames),
    async cleanup() {
      await source?.end();
      if (!names) return;
      for (const { port, database } of databases(names))
        await sql(port, [`DROP DATABASE IF EXISTS \`${database}\``]);
    },
  };
}

/** MySQL: the destination's tables as SELECT reads them (text protocol), their definitions as DDL. */
const mysqlDriver = realDriver(
  async (names) => {
    await sql(STACK.destination.port, [
      `DROP DATABASE IF EXISTS \`${names.destination}\``,
      `CREATE DATABASE \`${names.destination}\``,
      ...fixtureDdl(names.destination, "destination"),
    ]);
    return { type: "mysql", ...STACK.destination };
  },
  async (names) => {
    const connection = await mysql.createConnection(STACK.destination);
    try {
      await connection.query("SET time_zone = '+00:00'");
      const [listed] = (await connection.query(
        "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME",
        [names.destination],
      )) as unknown as [{ name: string }[]];
      const tables = new Map<string, Record<string, string | null>[]>();
      const ddl = [];
      for (const { name } of listed) {
        const { rows } = await sourceRows(connection, names.destination, name);
        tables.set(`${names.destination}.${name}`, [...rows.values()]);
        const [[created]] = (await connection.query(
          `SHOW CREATE TABLE \`${names.destination}\`.\`${name}\``,
        )) as unknown as [{ "Create Table": string }[]];
        ddl.push({ database: names.destination, table: name, sql: created?.["Create Table"] ?? "" });
      }
      return { tables, ddl };
    } finally {
      await connection.end();
    }
  },
  (names) => [
    { port: STACK.source.port, database: names.source },
    { port: STACK.destination.port, database: names.destination },
  ],
);

/** Kafka: the topic read from the start, row messages folded by key, DDL records as sent. */
function kafkaDriver(
  format: "canal-json" | "dts-avro",
  partitionPolicy: "partition-0" | "hash-pk",
  partitions: number,
) {
  let topic = "";
  return realDriver(
    async () => {
      topic = await createTopic(`sink-contract-${format}`, partitions);
      return { type: "kafka", brokers: [STACK.kafkaPlain], topic, format, partitionPolicy };
    },
    async () => {
      const decode = format === "canal-json" ? decodeCanal : decodeAvro;
      const decoded = (await readTopic(topic)).map((m) => decode(m.value));
      const tables = new Map([...rebuild(decoded)].map(([name, rows]) => [name, [...rows.values()]]));
      const ddl = decoded.flatMap((d) =>
        d.ddl ? [{ database: d.database, table: d.table, sql: d.sql }] : [],
      );
      return { tables, ddl };
    },
    (names) => [{ port: STACK.source.port, database: names.source }],
  );
}

sinkContract("mysql", mysqlDriver);
sinkContract("kafka_canal", kafkaDriver("canal-json", "partition-0", 1));
sinkContract("kafka_avro", kafkaDriver("dts-avro", "hash-pk", 3));
