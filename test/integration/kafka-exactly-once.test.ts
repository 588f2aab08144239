import mysql from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { localLauncher } from "#core/adapters/tailer-launcher.ts";
import { FencedError } from "#core/errors.ts";
import { connectKafkaProducer } from "#core/sinks/kafka/producer.ts";
import { createTopic, decodeCanal, readCommitted } from "../support/kafka.ts";
import { writeSpecFile } from "../support/spec-fixtures.ts";
import { dts, REPO, STACK, sql } from "../support/stack.ts";
import { alive, localTasksWithShortLease, pidOf, waitFor } from "../support/tailer.ts";

const DB = "keo_db";

/** A deterministic pseudo-random sequence, so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Writes transactions of 1-4 statements on items (id, v): an insert (v = 0), an update (v + 1) or
 * a delete, each changing one row, so every change of a key is known by its version; ids are never
 * reused. Counts the statements of committed transactions.
 */
async function startVersionWriter(seed: number) {
  const connection = await mysql.createConnection({ ...STACK.source, multipleStatements: true });
  const next = random(seed);
  const live: number[] = [];
  let nextId = 1;
  let changes = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const statements: string[] = [];
      const touched = new Set<number>();
      for (let i = 1 + Math.floor(next() * 4); i > 0; i--) {
        const dice = next();
        const id = live[Math.floor(next() * live.length)];
        if (dice < 0.35 || id === undefined || live.length < 20 || touched.has(id)) {
          const fresh = nextId++;
          statements.push(`INSERT INTO ${DB}.items (id, v, note) VALUES (${fresh}, 0, 'n${fresh}')`);
          live.push(fresh);
          touched.add(fresh);
        } else if (dice < 0.85) {
          statements.push(`UPDATE ${DB}.items SET v = v + 1 WHERE id = ${id}`);
          touched.add(id);
        } else {
          statements.push(`DELETE FROM ${DB}.items WHERE id = ${id}`);
          live.splice(live.indexOf(id), 1);
        }
      }
      await connection.query(`START TRANSACTION; ${statements.join("; ")}; COMMIT`);
      changes += statements.length;
    }
  })();
  return {
    async stop(): Promise<number> {
      stopped = true;
      await loop;
      await connection.end();
      return changes;
    },
  };
}

/**
 * What is wrong with the messages of each key against the source: every change once and in order
 * (insert v=0, updates v+1 each, then at most a delete), and the last image equal to the source.
 */
function problems(
  messages: ReturnType<typeof decodeCanal>[],
  source: Map<number, number>,
): { problems: string[]; keys: number } {
  const byKey = new Map<number, ReturnType<typeof decodeCanal>[]>();
  for (const m of messages) {
    if (m.ddl) continue;
    const id = Number((m.after ?? m.before)?.id);
    byKey.set(id, [...(byKey.get(id) ?? []), m]);
  }
  const found: string[] = [];
  for (const [id, list] of byKey) {
    let version = -1;
    let deleted = false;
    for (const m of list) {
      if (m.ddl) continue;
      const expected = version < 0 ? "INSERT v0" : deleted ? "nothing" : `UPDATE v${version + 1} or DELETE`;
      const v = Number((m.after ?? m.before)?.v);
      const ok =
        !deleted &&
        ((m.op === "INSERT" && version < 0 && v === 0) ||
          (m.op === "UPDATE" && version >= 0 && v === version + 1 && Number(m.before?.v) === version) ||
          (m.op === "DELETE" && version >= 0 && v === version));
      if (!ok) found.push(`id ${id}: ${m.op} v${v} where ${expected} was due`);
      if (m.op === "DELETE") deleted = true;
      else version = v;
    }
    const stored = source.get(id);
    if (!deleted && stored !== version)
      found.push(`id ${id}: last message has v${version}, the source v${stored}`);
    if (deleted && stored !== undefined) found.push(`id ${id}: deleted in the topic, present in the source`);
  }
  for (const id of source.keys())
    if (!byKey.has(id)) found.push(`id ${id}: in the source, never in the topic`);
  return { problems: found, keys: byKey.size };
}

const tasks = localTasksWithShortLease();

describe("Kafka delivery exactly-once", () => {
  it("a read_committed consumer sees every source change once, in per-key order, through 10 SIGKILLs of the tailer", async () => {
    const task = "kafka-eos";
    tasks.push(task);
    await sql(STACK.source.port, [
      `DROP DATABASE IF EXISTS ${DB}`,
      `CREATE DATABASE ${DB}`,
      `CREATE TABLE ${DB}.items (id INT NOT NULL PRIMARY KEY, v INT NOT NULL, note VARCHAR(40))`,
    ]);
    const topic = await createTopic("keo-items", 3);
    const specFile = await writeSpecFile({
      name: task,
      migrationTypes: ["full", "incremental"],
      objects: [{ database: DB }],
      destination: {
        type: "kafka",
        brokers: [STACK.kafkaSasl],
        sasl: { mechanism: "scram-sha-256", ...STACK.kafkaUser },
        topic,
        format: "canal-json",
        partitionPolicy: "hash-pk",
        delivery: "exactly-once",
      } as never,
    });
    const started = await dts(["run", specFile, "--until", "caught-up"]);
    expect(started.stdout).toMatch(/caught up/);
    const writer = await startVersionWriter(7);
    const launcher = localLauncher(REPO);
    const pause = random(11);
    for (let kill = 0; kill < 10; kill++) {
      // Anywhere from while the new tailer waits for the old lease to mid-drain.
      await new Promise((resolve) => setTimeout(resolve, 500 + pause() * 3000));
      const pid = pidOf(`tailer-${task}.pid`);
      expect(alive(pid)).toBe(true);
      process.kill(pid, "SIGKILL");
      await waitFor(() => !alive(pid), 5000, `tailer ${pid} to die`);
      expect((await launcher.launch(task)).alreadyRunning).toBe(false);
    }
    const changes = await writer.stop();
    expect(changes).toBeGreaterThan(500);
    const caughtUp = await dts(["run", specFile, "--until", "caught-up"]);
    expect(caughtUp.stdout).toMatch(/caught up/);
    const [rows] = (await (async () => {
      const c = await mysql.createConnection(STACK.source);
      try {
        return await c.query(`SELECT id, v FROM ${DB}.items`);
      } finally {
        await c.end();
      }
    })()) as unknown as [{ id: number; v: number }[]];
    const messages = (await readCommitted(topic, changes)).map((m) => decodeCanal(m.value));
    const found = problems(messages, new Map(rows.map((r) => [r.id, r.v])));
    expect({ count: found.problems.length, first: found.problems.slice(0, 10) }).toEqual({
      count: 0,
      first: [],
    });
    expect(messages).toHaveLength(changes);
  }, 300_000);

  it("a newer producer of the transactional id fences the older: its transaction never becomes visible", async () => {
    const topic = await createTopic("keo-fence", 1);
    const ids = {
      transactionalId: `keo-fence-${topic}`,
      checkpointGroup: `keo-fence-${topic}`,
      checkpointTopic: topic,
    };
    const connection = { brokers: [STACK.kafkaPlain] };
    const message = (value: string) => [{ topic, partition: 0, key: null, value: Buffer.from(value) }];
    const [older, newer, newest] = await Promise.all(
      [1, 2, 3].map(() => connectKafkaProducer(connection, ids)),
    );
    try {
      expect(await older?.transactions?.fence()).toBeUndefined();
      await older?.transactions?.commit([message("older-1")], "checkpoint-1");
      expect(await newer?.transactions?.fence()).toBe("checkpoint-1");
      await expect(older?.transactions?.commit([message("older-2")], "checkpoint-2")).rejects.toThrow(
        FencedError,
      );
      await newer?.transactions?.commit([message("newer-1")], "checkpoint-3");
      // Each takes over once, at its start: the checkpoint it reads is the last one committed.
      expect(await newest?.transactions?.fence()).toBe("checkpoint-3");
    } finally {
      await Promise.all([older, newer, newest].map((p) => p?.close()));
    }
    const values = (await readCommitted(topic, 2, 1000)).map((m) => m.value.toString());
    expect(values).toEqual(["older-1", "newer-1"]);
  }, 60_000);
});
