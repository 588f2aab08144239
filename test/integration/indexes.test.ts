import type { Connection } from "mysql2/promise";
import { beforeAll, describe, expect, it } from "vitest";
import { buildDeferredIndexes } from "#core/schema/indexes.ts";
import { openDestination } from "#core/source/connection.ts";
import { STACK, sql } from "../support/stack.ts";

const DB = "deferred_indexes";
const TABLES = ["a", "b", "c"];
const DEFERRED = TABLES.map((t) => ({
  table: `${DB}.${t}`,
  indexes: [
    { name: "k_idx", clause: "KEY `k_idx` (`k`)" },
    { name: "kv_idx", clause: "KEY `kv_idx` (`k`, `v`)" },
  ],
}));

beforeAll(async () => {
  await sql(STACK.destination.port, [
    `DROP DATABASE IF EXISTS ${DB}`,
    `CREATE DATABASE ${DB}`,
    ...TABLES.flatMap((t) => [
      `CREATE TABLE ${DB}.${t} (id INT PRIMARY KEY, k INT, v VARCHAR(10))`,
      `INSERT INTO ${DB}.${t} SELECT seq, seq MOD 7, 'x' FROM ${DB}.seq_1_to_1000`,
    ]),
  ]);
}, 60_000);

async function indexesOf(table: string): Promise<string[]> {
  const [rows] = (await sql(STACK.destination.port, [
    `SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '${DB}' AND TABLE_NAME = '${table}'`,
  ])) as [{ name: string }[]];
  return rows.map((r) => r.name).sort();
}

describe("secondary indexes deferred until after the full load", () => {
  it("are built for every table, several tables at once, and building them again adds nothing", async () => {
    let opened = 0;
    const open = (): Promise<Connection> => {
      opened++;
      return openDestination(STACK.destination);
    };
    expect(await buildDeferredIndexes(open, DEFERRED, 2)).toBe(6);
    expect(opened).toBe(2); // two builders shared the three tables
    for (const table of TABLES) expect(await indexesOf(table)).toEqual(["PRIMARY", "k_idx", "kv_idx"].sort());

    opened = 0;
    expect(await buildDeferredIndexes(open, DEFERRED, 8)).toBe(0);
    expect(opened).toBe(3); // never more builders than tables
  });

  it("stops with the destination's words when it refuses a build", async () => {
    const broken = [
      ...DEFERRED,
      { table: `${DB}.a`, indexes: [{ name: "bad_idx", clause: "KEY `bad_idx` (`missing`)" }] },
    ];
    await expect(buildDeferredIndexes(() => openDestination(STACK.destination), broken, 2)).rejects.toThrow(
      /missing/,
    );
  });
});
