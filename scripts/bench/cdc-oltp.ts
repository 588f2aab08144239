import mysql from "mysql2/promise";
import { DB, SOURCE, thousands } from "./cdc-common.ts";
import type { Backlog, Shape } from "./cdc-shapes.ts";

/**
 * The OLTP shape (sysbench-like): a table of `rows` rows, then `transactions` small transactions
 * from `writers` concurrent connections. A transaction has 1-6 statements (3.2 on average), each
 * changing exactly one row: inserts, updates (plain columns, the indexed column, the JSON column),
 * primary-key changes (UPDATE ... SET id = <new>) and deletes. Rows are picked at random from all
 * live rows, so a row written by one writer is later changed by another (as in sysbench); a row in
 * an open transaction is left to that transaction, so writers never wait for or deadlock on each
 * other. A transaction goes to the server as one multi-statement query (one round trip; the
 * binlog is the same as for statements sent one by one).
 */
export interface OltpOptions {
  transactions: number;
  rows: number;
  writers: number;
}

const TABLE = "oltp";
const COLUMNS = ["id", "k", "c", "pad", "note", "amount", "attrs", "n", "created_at", "updated_at"];
/** Weights of 1..6 statements per transaction (mean 3.17). */
const STATEMENTS = [0.2, 0.2, 0.2, 0.15, 0.13, 0.12];
type Kind = "insert" | "update" | "update-k" | "update-json" | "key-change" | "delete";
/** The statement mix: cumulative probabilities (30% inserts, 42% updates, 8% key changes, 20% deletes). */
const MIX: [Kind, number][] = [
  ["insert", 0.3],
  ["update", 0.55],
  ["update-k", 0.65],
  ["update-json", 0.72],
  ["key-change", 0.8],
  ["delete", 1],
];

const kindOf = (draw: number): Kind => MIX.find(([, upTo]) => draw < upTo)?.[0] ?? "delete";

/** A small seeded PRNG (mulberry32), so every round writes the same kind of values. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Live row ids, picked at random in O(1); an id in an open transaction belongs to its writer. */
class IdPool {
  private readonly ids: number[] = [];
  private readonly index = new Map<number, number>();
  private readonly holders = new Map<number, number>();

  get size(): number {
    return this.ids.length;
  }
  /** A new row; held by `writer` until its transaction ends, if given. */
  add(id: number, writer?: number): void {
    this.index.set(id, this.ids.length);
    this.ids.push(id);
    if (writer !== undefined) this.holders.set(id, writer);
  }
  remove(id: number): void {
    const at = this.index.get(id) as number;
    const last = this.ids.pop() as number;
    if (last !== id) {
      this.ids[at] = last;
      this.index.set(last, at);
    }
    this.index.delete(id);
  }
  /** A live id no other writer holds, now held by `writer`; undefined after a few unlucky draws. */
  pick(random: () => number, writer: number): number | undefined {
    for (let attempt = 0; attempt < 8; attempt++) {
      const id = this.ids[Math.floor(random() * this.ids.length)];
      if (id === undefined) return undefined;
      const holder = this.holders.get(id);
      if (holder === undefined || holder === writer) {
        this.holders.set(id, writer);
        return id;
      }
    }
    return undefined;
  }
  release(ids: Iterable<number>): void {
    for (const id of ids) this.holders.delete(id);
  }
}

function digits(random: () => number, groups: number): string {
  const parts: string[] = [];
  for (let i = 0; i < groups; i++)
    parts.push(
      Math.floor(random() * 1e11)
        .toString()
        .padStart(11, "0"),
    );
  return parts.join("-");
}

function values(random: () => number) {
  const attrs =
    random() < 0.3
      ? null
      : JSON.stringify({
          tags: ["red", "green", "blue", "cyan"].slice(0, 1 + Math.floor(random() * 4)),
          score: Math.floor(random() * 1000),
          ok: random() < 0.5,
          geo: {
            lat: Number((random() * 180 - 90).toFixed(6)),
            lon: Number((random() * 360 - 180).toFixed(6)),
          },
        });
  return {
    c: digits(random, 10),
    note: random() < 0.3 ? null : `note ${digits(random, 2)}`,
    amount: random() < 0.2 ? null : (random() * 1e6).toFixed(4),
    attrs,
  };
}

export function oltpShape(options: OltpOptions): Shape {
  const { transactions, rows, writers } = options;
  const table = `${DB}.${TABLE}`;
  return {
    name: "oltp",
    title: `OLTP: ${thousands(transactions)} small transactions (1-6 statements) from ${writers} writers, on ${thousands(rows)} rows`,
    table: TABLE,
    columns: COLUMNS,
    async create(source) {
      await source.query(`CREATE TABLE ${table} (id BIGINT NOT NULL PRIMARY KEY, k INT NOT NULL,
        c VARCHAR(120) NOT NULL, pad CHAR(60) NOT NULL, note VARCHAR(64) NULL, amount DECIMAL(14,4) NULL,
        attrs JSON NULL, n INT NOT NULL DEFAULT 0, created_at DATETIME(6) NOT NULL, updated_at DATETIME(6) NULL,
        KEY k_idx (k))`);
      for (let from = 1; from <= rows; from += 50_000) {
        const to = Math.min(rows, from + 49_999);
        await source.query(
          `INSERT INTO ${table} SELECT seq, (seq * 7919) MOD ${rows} + 1, CONCAT(MD5(seq), '-', MD5(seq + 1), '-', MD5(seq + 2)),
            CONCAT(MD5(-seq), '-', LEFT(MD5(seq * 3), 27)), IF(seq MOD 3 = 0, NULL, CONCAT('note ', seq)),
            IF(seq MOD 5 = 0, NULL, seq * 1.2345), IF(seq MOD 4 = 0, NULL, JSON_OBJECT('seq', seq, 'tags', JSON_ARRAY('a', seq MOD 7), 'ok', seq MOD 2 = 1)),
            0, NOW(6), NULL FROM ${DB}.seq_${from}_to_${to}`,
        );
      }
    },
    async write() {
      const pool = new IdPool();
      for (let id = 1; id <= rows; id++) pool.add(id);
      let nextId = rows + 1;
      let issued = 0;
      const counts: Record<Kind, number> = {
        insert: 0,
        update: 0,
        "update-k": 0,
        "update-json": 0,
        "key-change": 0,
        delete: 0,
      };
      let changed = 0;
      const writer = async (w: number) => {
        const random = prng(0x5eed + w);
        const connection = await mysql.createConnection({ ...SOURCE, multipleStatements: true });
        try {
          while (issued < transactions) {
            issued++;
            const held: number[] = [];
            const statements: string[] = [];
            let size = 1;
            for (let r = random(); size < STATEMENTS.length && r >= (STATEMENTS[size - 1] as number); size++)
              r -= STATEMENTS[size - 1] as number;
            for (let s = 0; s < size; s++) {
              const draw = random();
              let kind = kindOf(draw);
              const id = kind === "insert" || pool.size < 1000 ? undefined : pool.pick(random, w);
              if (id === undefined) kind = "insert";
              else held.push(id);
              counts[kind]++;
              const v = values(random);
              const k = 1 + Math.floor(random() * rows);
              if (kind === "insert") {
                const fresh = nextId++;
                pool.add(fresh, w);
                held.push(fresh);
                statements.push(
                  mysql.format(
                    `INSERT INTO ${table} (id, k, c, pad, note, amount, attrs, n, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, NOW(6))`,
                    [fresh, k, v.c, digits(random, 5), v.note, v.amount, v.attrs],
                  ),
                );
              } else if (kind === "update") {
                statements.push(
                  mysql.format(
                    `UPDATE ${table} SET c = ?, note = ?, amount = ?, n = n + 1, updated_at = NOW(6) WHERE id = ?`,
                    [v.c, v.note, v.amount, id],
                  ),
                );
              } else if (kind === "update-k") {
                statements.push(
                  mysql.format(`UPDATE ${table} SET k = ?, n = n + 1, updated_at = NOW(6) WHERE id = ?`, [
                    k,
                    id,
                  ]),
                );
              } else if (kind === "update-json") {
                statements.push(
                  mysql.format(
                    `UPDATE ${table} SET attrs = JSON_SET(COALESCE(attrs, '{}'), '$.n', n + 1, '$.score', ?), n = n + 1 WHERE id = ?`,
                    [k, id],
                  ),
                );
              } else if (kind === "key-change") {
                const fresh = nextId++;
                pool.remove(id as number);
                pool.add(fresh, w);
                held.push(fresh);
                statements.push(
                  mysql.format(`UPDATE ${table} SET id = ?, n = n + 1, updated_at = NOW(6) WHERE id = ?`, [
                    fresh,
                    id,
                  ]),
                );
              } else {
                pool.remove(id as number);
                statements.push(mysql.format(`DELETE FROM ${table} WHERE id = ?`, [id]));
              }
            }
            const [results] = (await connection.query(
              `START TRANSACTION;${statements.join(";")};COMMIT`,
            )) as unknown as [{ affectedRows: number }[]];
            const affected = results.reduce((sum, result) => sum + (result.affectedRows ?? 0), 0);
            if (affected !== statements.length)
              throw new Error(`an OLTP transaction changed ${affected} rows, not ${statements.length}`);
            changed += affected;
            pool.release(held);
          }
        } finally {
          await connection.end();
        }
      };
      await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
      const updates = counts.update + counts["update-k"] + counts["update-json"];
      const backlog: Backlog = {
        rowChanges: changed,
        transactions,
        detail: `${thousands(counts.insert)} inserts, ${thousands(updates)} updates (${thousands(counts["update-k"])} of the indexed column, ${thousands(counts["update-json"])} of the JSON), ${thousands(counts["key-change"])} key changes, ${thousands(counts.delete)} deletes`,
      };
      return backlog;
    },
  };
}
