import mysql from "mysql2/promise";
import { STACK } from "./stack.ts";

/** A deterministic pseudo-random sequence, so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export interface Writer {
  /** Stops after the transaction in progress; resolves with the number of transactions committed. */
  stop(): Promise<number>;
  /** Runs a statement between transactions (e.g. an ALTER TABLE mid-stream). */
  between(statement: string): Promise<void>;
}

/**
 * Writes multi-statement transactions on `table` (id INT primary key, balance, note): inserts,
 * updates, key changes (id moved) and deletes, until stopped.
 */
export async function startWriter(
  database: string,
  table: string,
  seed = 42,
  port = STACK.source.port,
): Promise<Writer> {
  const connection = await mysql.createConnection({ ...STACK.source, port });
  const next = random(seed);
  const [rows] = (await connection.query(`SELECT id FROM ${database}.${table}`)) as [
    { id: number }[],
    unknown,
  ];
  const ids = rows.map((r) => r.id);
  let nextId = 10_000_000 + Math.floor(next() * 1000) * 10_000;
  let stopped = false;
  let committed = 0;
  const pending: string[] = [];
  const pick = () => ids[Math.floor(next() * ids.length)];
  const loop = (async () => {
    while (!stopped) {
      const extra = pending.shift();
      if (extra) await connection.query(extra);
      await connection.query("START TRANSACTION");
      const operations = 1 + Math.floor(next() * 5);
      for (let i = 0; i < operations; i++) {
        const dice = next();
        const id = pick();
        if (dice < 0.35 || id === undefined) {
          const newId = nextId++;
          await connection.query(`INSERT INTO ${database}.${table} (id, balance, note) VALUES (?, ?, ?)`, [
            newId,
            (next() * 1000).toFixed(2),
            `n${newId} ✓`,
          ]);
          ids.push(newId);
        } else if (dice < 0.7) {
          await connection.query(
            `UPDATE ${database}.${table} SET balance = balance + 1.25, note = ? WHERE id = ?`,
            [`u${committed}`, id],
          );
        } else if (dice < 0.85) {
          const moved = nextId++;
          await connection.query(`UPDATE ${database}.${table} SET id = ? WHERE id = ?`, [moved, id]);
          ids[ids.indexOf(id)] = moved;
        } else {
          await connection.query(`DELETE FROM ${database}.${table} WHERE id = ?`, [id]);
          ids.splice(ids.indexOf(id), 1);
        }
      }
      await connection.query("COMMIT");
      committed++;
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await connection.end();
      return committed;
    },
    async between(statement) {
      pending.push(statement);
      while (pending.includes(statement)) await new Promise((r) => setTimeout(r, 20));
    },
  };
}
