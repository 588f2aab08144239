import { beforeEach, describe, expect, it } from "vitest";
import { FatalError, FencedError } from "#core/errors.ts";
import { PhaseMoveError } from "#core/model/phase.ts";
import type { PrecheckReport } from "#core/precheck/types.ts";
import type { CheckpointStore, Lease } from "#core/store/checkpoint-store.ts";
import type { ChunkLedger } from "#core/store/chunk-ledger.ts";
import { ITEM_LIMIT_BYTES, itemBytes } from "#core/store/task-items.ts";
import type { TaskStore } from "#core/store/task-store.ts";
import { historyContract } from "./history-contract.ts";
import { largeTask } from "./large-task.ts";
import { ledgerContract } from "./ledger-contract.ts";
import { spec } from "./spec-fixtures.ts";

/** The stores under test: the DynamoDB adapters or the in-memory fakes. */
export interface ContractStores {
  /** `items`: what the task takes in DynamoDB items (core/store/task-items.ts), for the size limits. */
  tasks: TaskStore & { items(name: string): Promise<Record<string, unknown>[]> };
  ledger: ChunkLedger;
  checkpoints: CheckpointStore;
}

/** Builds the stores on the clock the suite moves (epoch ms). */
export type StoreFactory = (clock: () => number) => ContractStores | Promise<ContractStores>;

const START = Date.UTC(2031, 0, 1);
const TTL = 15_000;
const iso = (ms: number) => new Date(ms).toISOString();
const position = (pos: number) => ({ file: "binlog.000007", position: pos, gtid: `0-1-${pos}` });
const figures = (updatedAt: string) => ({
  position: position(123_456_789),
  latencyMs: 850,
  rowsPerSecond: 35_000,
  appliedRows: 9_000_000_000,
  updatedAt,
});

/** What every caller of the stores relies on (functions/*, cli/*, core/api, the full load, the tailer). */
export function storeContract(factory: StoreFactory): void {
  let now = START;
  let stores: ContractStores;
  const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  let count = 0;
  /** Task names unique to this run: the DynamoDB tables are shared with other tests. */
  const unique = (label: string) => `contract-${run}-${label}-${++count}`;

  beforeEach(async () => {
    now = START;
    stores = await factory(() => now);
  });

  historyContract(
    () => stores.tasks,
    {
      now: () => now,
      advance: (ms) => {
        now += ms;
      },
    },
    unique,
  );

  describe("task records", () => {
    const counts = { pass: 1, warn: 0, fail: 0, skipped: 0 };
    const report = (passed: boolean): PrecheckReport => ({
      task: "t",
      passed,
      counts,
      checks: [],
      facts: { partitions: 3 },
      startedAt: "s",
      finishedAt: "f",
    });

    it("creates a task in phase created, and a new spec keeps its history but not its last error", async () => {
      const name = unique("task");
      const created = await stores.tasks.saveSpec(spec({ name }));
      expect(created).toMatchObject({ name, phase: "created", createdAt: iso(START), updatedAt: iso(START) });
      expect(created.spec.name).toBe(name);
      expect(await stores.tasks.get(name)).toEqual(created);
      expect(await stores.tasks.get(unique("missing"))).toBeUndefined();

      now += 1000;
      await stores.tasks.setPhase(name, "prechecking");
      await stores.tasks.savePrecheck(name, report(true));
      await stores.tasks.saveOutcome(name, "position", { ...position(4), capturedAt: iso(now) }, "schema");
      await stores.tasks.recordFailure(name, { error: "FatalError", cause: "lost" });
      now += 1000;
      const again = await stores.tasks.saveSpec(spec({ name, objects: [{ database: "other" }] }));
      expect(again).toMatchObject({ phase: "failed", createdAt: iso(START), updatedAt: iso(now) });
      expect(again.position?.position).toBe(4);
      expect(again.spec.objects[0]?.database).toBe("other");
      expect(again.lastError).toBeUndefined();
      expect(await stores.tasks.get(name)).toEqual(again);
    });

    it("lists tasks by name", async () => {
      const prefix = unique("list");
      await stores.tasks.saveSpec(spec({ name: `${prefix}-b` }));
      await stores.tasks.saveSpec(spec({ name: `${prefix}-a` }));
      const names = (await stores.tasks.list()).map((t) => t.name).filter((n) => n.startsWith(prefix));
      expect(names).toEqual([`${prefix}-a`, `${prefix}-b`]);
    });

    it("moves phases, stores precheck reports, failures (redacted) and outcomes", async () => {
      const name = unique("phases");
      await stores.tasks.saveSpec(spec({ name }));
      now += 10;
      await stores.tasks.setPhase(name, "prechecking");
      expect(await stores.tasks.get(name)).toMatchObject({ phase: "prechecking", updatedAt: iso(now) });
      await stores.tasks.savePrecheck(name, report(false));
      const failedCheck = await stores.tasks.get(name);
      expect(failedCheck).toMatchObject({ phase: "precheck-failed", precheck: report(false) });
      await stores.tasks.setPhase(name, "prechecking");
      await stores.tasks.savePrecheck(name, report(true));
      expect((await stores.tasks.get(name))?.phase).toBe("prechecked");

      now += 10;
      const failure = { error: "RetriableError", cause: "mysql://dts:hunter2@db refused", state: "Schema" };
      await stores.tasks.recordFailure(name, failure);
      const failed = await stores.tasks.get(name);
      expect(failed?.phase).toBe("failed");
      expect(failed?.lastError).toMatchObject({ error: "RetriableError", state: "Schema", at: iso(now) });
      expect(failed?.lastError?.cause).not.toContain("hunter2");

      const fullLoad = { planId: "p1", chunks: 2, estimatedRows: 10, startedAt: "s", completedAt: undefined };
      await stores.tasks.setPhase(name, "prechecking");
      await stores.tasks.savePrecheck(name, report(true));
      await stores.tasks.saveOutcome(name, "fullLoad", fullLoad, "full-load");
      await stores.tasks.saveOutcome(name, "indexes", { tables: 1, startedAt: iso(now), pending: ["d.t"] });
      const record = await stores.tasks.get(name);
      expect(record?.phase).toBe("full-load");
      expect(record?.fullLoad).toEqual({ planId: "p1", chunks: 2, estimatedRows: 10, startedAt: "s" });
      expect(record?.indexes?.pending).toEqual(["d.t"]);
    });

    it("refuses writes to a task that does not exist, creating nothing", async () => {
      const name = unique("ghost");
      await expect(stores.tasks.setPhase(name, "paused")).rejects.toThrow(FatalError);
      await expect(stores.tasks.recordFailure(name, { error: "E", cause: "c" })).rejects.toThrow(FatalError);
      await expect(
        stores.tasks.saveOutcome(name, "schema", { createdTables: [], notes: [], completedAt: "x" }),
      ).rejects.toThrow(FatalError);
      expect(await stores.tasks.get(name)).toBeUndefined();
    });

    it("refuses moves the lifecycle does not allow, naming the phase and what goes on", async () => {
      const name = unique("moves");
      await stores.tasks.saveSpec(spec({ name }));
      await expect(stores.tasks.setPhase(name, "full-load")).rejects.toThrow(
        `task ${name} is created: it cannot move to full-load (\`dts status ${name}\` shows it)`,
      );
      // A report is stored only with its move: nothing of it stays behind.
      await expect(stores.tasks.savePrecheck(name, report(true))).rejects.toThrow(PhaseMoveError);
      expect((await stores.tasks.get(name))?.precheck).toBeUndefined();
      await stores.tasks.setPhase(name, "prechecking");
      await stores.tasks.savePrecheck(name, report(true));
      await stores.tasks.setPhase(name, "schema");
      await stores.tasks.setPhase(name, "paused");
      // A step that was still running when the task was paused cannot move it on.
      await expect(
        stores.tasks.saveOutcome(
          name,
          "fullLoad",
          { planId: "p", chunks: 1, estimatedRows: 1, startedAt: "s" },
          "full-load",
        ),
      ).rejects.toThrow(PhaseMoveError);
      expect((await stores.tasks.get(name))?.fullLoad).toBeUndefined();
      // Its failure is kept as the last error; the task stays paused.
      await stores.tasks.recordFailure(name, { error: "PhaseMoveError", cause: "paused meanwhile" });
      expect(await stores.tasks.get(name)).toMatchObject({
        phase: "paused",
        lastError: { error: "PhaseMoveError" },
      });
      await stores.tasks.setPhase(name, "incremental");
      expect((await stores.tasks.get(name))?.phase).toBe("incremental");
    });

    it("restarts a task from scratch: outcomes forgotten, spec and created tables kept", async () => {
      const name = unique("restart");
      await stores.tasks.saveSpec(spec({ name }));
      await stores.tasks.setPhase(name, "prechecking");
      await stores.tasks.savePrecheck(name, report(true));
      await stores.tasks.saveOutcome(name, "position", { ...position(4), capturedAt: "c" });
      await stores.tasks.saveOutcome(
        name,
        "schema",
        { createdTables: ["d.t"], notes: ["n"], completedAt: "x" },
        "schema",
      );
      await stores.tasks.saveOutcome(
        name,
        "fullLoad",
        { planId: "p", chunks: 1, estimatedRows: 1, startedAt: "s" },
        "full-load",
      );
      await stores.tasks.recordFailure(name, { error: "E", cause: "c" });
      await stores.tasks.restart(name);
      const record = await stores.tasks.get(name);
      expect(record).toMatchObject({ phase: "created", schema: { createdTables: ["d.t"], notes: ["n"] } });
      expect(record?.schema?.completedAt).toBeUndefined();
      for (const field of ["position", "fullLoad", "indexes", "incremental", "lastError"] as const)
        expect(record?.[field], field).toBeUndefined();
      expect(record?.spec.name).toBe(name);

      await stores.tasks.remove(name);
      expect(await stores.tasks.get(name)).toBeUndefined();
      await expect(stores.tasks.restart(name)).rejects.toThrow(FatalError);
    });

    it("keeps the tailer's figures apart: lists them, refuses them for a missing task, forgets them on restart", async () => {
      const name = unique("figures");
      await stores.tasks.saveSpec(spec({ name }));
      await expect(
        stores.tasks.saveOutcome(unique("ghost"), "incremental", figures(iso(now))),
      ).rejects.toThrow(FatalError);
      now += 1000;
      await stores.tasks.saveOutcome(name, "incremental", figures(iso(now)));
      now += 1000;
      await stores.tasks.saveOutcome(name, "incremental", { ...figures(iso(now)), appliedRows: 9 });
      const record = await stores.tasks.get(name);
      expect(record).toMatchObject({ updatedAt: iso(now), incremental: { appliedRows: 9 } });
      const listed = (await stores.tasks.list()).find((t) => t.name === name);
      expect(listed?.incremental?.appliedRows).toBe(9);
      await stores.tasks.restart(name);
      expect((await stores.tasks.get(name))?.incremental).toBeUndefined();
      expect((await stores.tasks.list()).find((t) => t.name === name)?.incremental).toBeUndefined();
    });

    it("lists tasks without their bulky fields; get returns them", async () => {
      const name = unique("listing");
      await stores.tasks.saveSpec(spec({ name }));
      await stores.tasks.setPhase(name, "prechecking");
      await stores.tasks.savePrecheck(name, report(true));
      await stores.tasks.saveOutcome(name, "schema", { createdTables: ["d.t"], notes: [], completedAt: "x" });
      await stores.tasks.saveOutcome(name, "indexes", { tables: 1, startedAt: "s", pending: ["d.t"] });
      const listed = (await stores.tasks.list()).find((t) => t.name === name);
      expect(listed).toMatchObject({ name, phase: "prechecked" });
      expect(listed?.spec.name).toBe(name);
      for (const field of ["precheck", "schema", "indexes"]) expect(listed, field).not.toHaveProperty(field);
      const record = await stores.tasks.get(name);
      expect(record?.precheck).toEqual(report(true));
      expect(record?.schema?.createdTables).toEqual(["d.t"]);
      expect(record?.indexes?.pending).toEqual(["d.t"]);
      // A shorter value replaces a longer one whole.
      await stores.tasks.saveOutcome(name, "indexes", { tables: 1, startedAt: "s", pending: [] });
      expect((await stores.tasks.get(name))?.indexes?.pending).toEqual([]);
    });

    it("keeps a 5,000-table task in items under 400 KB, its figures in an item under 1 KB", {
      timeout: 60_000,
    }, async () => {
      const name = unique("large");
      const large = largeTask(name, 5_000);
      const saved = await stores.tasks.saveSpec(large.spec);
      expect(saved.spec).toEqual(large.spec);
      await stores.tasks.setPhase(name, "prechecking");
      await stores.tasks.savePrecheck(name, large.precheck);
      await stores.tasks.saveOutcome(name, "position", { ...position(4), capturedAt: iso(now) });
      await stores.tasks.saveOutcome(name, "schema", large.schema, "schema");
      await stores.tasks.saveOutcome(
        name,
        "fullLoad",
        { planId: "p", chunks: 9, estimatedRows: 9, startedAt: "s" },
        "full-load",
      );
      await stores.tasks.saveOutcome(name, "indexes", large.indexes);
      await stores.tasks.saveOutcome(name, "incremental", figures(iso(now)));

      const record = await stores.tasks.get(name);
      expect(record?.spec).toEqual(large.spec);
      expect(record?.precheck).toEqual(large.precheck);
      expect(record?.schema).toEqual(large.schema);
      expect(record?.indexes).toEqual(large.indexes);
      expect(record?.incremental).toEqual(figures(iso(now)));

      const items = await stores.tasks.items(name);
      const sizes = items.map((item) => ({ name: String(item.name), bytes: itemBytes(item) }));
      // Every bulky field and the figures live outside the task item.
      expect(sizes.length).toBeGreaterThanOrEqual(5);
      for (const { name: key, bytes } of sizes) expect(bytes, key).toBeLessThan(ITEM_LIMIT_BYTES);
      const figuresItem = sizes.find((s) => s.name.endsWith("#incremental"));
      expect(figuresItem?.bytes).toBeLessThan(1024);
      // What list reads and sends per task: the task item (spec compressed), not the bulky fields.
      const listed = (await stores.tasks.list()).find((t) => t.name === name);
      expect(listed?.spec).toEqual(large.spec);
      expect(JSON.stringify(listed).length).toBeLessThan(JSON.stringify(large.spec).length + 2_000);

      await stores.tasks.remove(name);
      expect(await stores.tasks.items(name)).toEqual([]);
    });

    it("refuses a spec too large for its item, naming the limit and the fix", async () => {
      const name = unique("huge");
      // Names without repetition do not compress: 30,000 of them outgrow the task item.
      const noise = (i: number) =>
        `${i.toString(36)}${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
      const tables = Array.from({ length: 30_000 }, (_, i) => ({ name: noise(i), as: noise(i) }));
      await expect(
        stores.tasks.saveSpec(spec({ name, objects: [{ database: "shop", tables }] })),
      ).rejects.toThrow(/400 KB.*select whole databases .* or split the tables over several tasks/);
      expect(await stores.tasks.get(name)).toBeUndefined();
    });

    it("hands out copies: changing what was read changes nothing stored", async () => {
      const name = unique("copy");
      const record = await stores.tasks.saveSpec(spec({ name }));
      record.phase = "completed";
      record.spec.objects.length = 0;
      const stored = await stores.tasks.get(name);
      expect(stored?.phase).toBe("created");
      expect(stored?.spec.objects).toHaveLength(1);
    });
  });

  describe("chunk ledger", () => {
    ledgerContract({
      ledger: () => stores.ledger,
      now: () => now,
      advance: (ms) => {
        now += ms;
      },
      unique,
    });
  });

  describe("checkpoints and leases", () => {
    const checkpoint = (pos: number) => ({
      position: position(pos),
      sourceTimestamp: pos,
      updatedAt: iso(now),
    });

    it("gives a free task's lease to one owner; a second owner is refused while it lives", async () => {
      const task = unique("lease");
      expect(await stores.checkpoints.read(task)).toBeUndefined();
      const acquire = (owner: string) => stores.checkpoints.acquire(task, owner, TTL);
      const results = await Promise.allSettled([acquire("a"), acquire("b")]);
      const won = results.filter((r) => r.status === "fulfilled");
      expect(won).toHaveLength(1);
      const lease = (won[0] as PromiseFulfilledResult<Lease>).value;
      expect(lease).toEqual({ task, owner: lease.owner, epoch: 1, expiresAt: START + TTL });
      const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(FencedError);
      const held = await stores.checkpoints.read(task);
      expect(held).toMatchObject({ owner: lease.owner, epoch: 1, expiresAt: START + TTL });

      now = START + TTL; // not yet expired at its very end
      await expect(acquire("c")).rejects.toThrow(FencedError);
    });

    it("renews the holder's lease and reports a stop request", async () => {
      const task = unique("renew");
      const lease = await stores.checkpoints.acquire(task, "a", TTL);
      now += 5_000;
      const renewed = await stores.checkpoints.renew(lease, TTL);
      expect(renewed).toEqual({ lease: { ...lease, expiresAt: now + TTL }, stopRequested: false });
      expect((await stores.checkpoints.read(task))?.expiresAt).toBe(now + TTL);
      await stores.checkpoints.requestStop(task);
      expect((await stores.checkpoints.renew(renewed.lease, TTL)).stopRequested).toBe(true);
      await stores.checkpoints.clearStop(task);
      expect((await stores.checkpoints.renew(renewed.lease, TTL)).stopRequested).toBe(false);
      // Expired but not taken over: the holder may still renew, nobody else wrote.
      now += TTL * 3;
      expect((await stores.checkpoints.renew(renewed.lease, TTL)).lease.expiresAt).toBe(now + TTL);
    });

    it("lets another owner take an expired lease with a higher epoch and fences the old owner", async () => {
      const task = unique("takeover");
      const old = await stores.checkpoints.acquire(task, "a", TTL);
      const saved = checkpoint(100);
      await stores.checkpoints.save(old, saved);
      now += TTL + 1;
      const taken = await stores.checkpoints.acquire(task, "b", TTL);
      expect(taken).toEqual({ task, owner: "b", epoch: 2, expiresAt: now + TTL });
      expect((await stores.checkpoints.read(task))?.checkpoint).toEqual(saved);

      await expect(stores.checkpoints.renew(old, TTL)).rejects.toThrow(FencedError);
      await expect(stores.checkpoints.save(old, checkpoint(200))).rejects.toThrow(FencedError);
      await stores.checkpoints.release(old); // a lost lease is left alone
      const held = await stores.checkpoints.read(task);
      expect(held).toMatchObject({ owner: "b", epoch: 2, expiresAt: now + TTL });
      expect((await stores.checkpoints.read(task))?.checkpoint?.position.position).toBe(100);
      await expect(stores.checkpoints.acquire(task, "a", TTL)).rejects.toThrow(FencedError);
    });

    it("takes the lease again for the same owner with a new epoch, fencing its earlier lease", async () => {
      const task = unique("again");
      const first = await stores.checkpoints.acquire(task, "a", TTL);
      const second = await stores.checkpoints.acquire(task, "a", TTL);
      expect(second.epoch).toBe(first.epoch + 1);
      await expect(stores.checkpoints.save(first, checkpoint(1))).rejects.toThrow(FencedError);
      await stores.checkpoints.save(second, checkpoint(2));
      expect((await stores.checkpoints.read(task))?.checkpoint).toEqual(checkpoint(2));
    });

    it("saves checkpoints only with the current lease", async () => {
      const task = unique("save");
      const forged: Lease = { task, owner: "a", epoch: 1, expiresAt: now + TTL };
      await expect(stores.checkpoints.save(forged, checkpoint(1))).rejects.toThrow(FencedError);
      const lease = await stores.checkpoints.acquire(task, "a", TTL);
      const stale = { ...lease, epoch: 7 };
      await expect(stores.checkpoints.save(stale, checkpoint(1))).rejects.toThrow(FencedError);
      await stores.checkpoints.save(lease, checkpoint(10));
      now += 1;
      await stores.checkpoints.save(lease, checkpoint(20));
      expect((await stores.checkpoints.read(task))?.checkpoint).toEqual(checkpoint(20));
    });

    it("releases the lease so the next owner starts at once, keeping the checkpoint", async () => {
      const task = unique("release");
      const lease = await stores.checkpoints.acquire(task, "a", TTL);
      await stores.checkpoints.save(lease, checkpoint(5));
      await stores.checkpoints.release(lease);
      expect((await stores.checkpoints.read(task))?.expiresAt).toBe(0);
      const next = await stores.checkpoints.acquire(task, "b", TTL);
      expect(next.epoch).toBe(2);
      expect((await stores.checkpoints.read(task))?.checkpoint).toEqual(checkpoint(5));
      await expect(stores.checkpoints.save(lease, checkpoint(6))).rejects.toThrow(FencedError);
    });

    it("keeps a stop request across taking the lease until it is cleared; reset forgets the checkpoint", async () => {
      const task = unique("stop");
      await stores.checkpoints.requestStop(task);
      expect((await stores.checkpoints.read(task))?.stopRequested).toBe(true);
      const lease = await stores.checkpoints.acquire(task, "a", TTL);
      expect(lease.epoch).toBe(1);
      expect((await stores.checkpoints.read(task))?.stopRequested).toBe(true);
      await stores.checkpoints.clearStop(task);
      expect((await stores.checkpoints.read(task))?.stopRequested).toBeUndefined();

      await stores.checkpoints.save(lease, checkpoint(9));
      await stores.checkpoints.reset(task);
      const after = await stores.checkpoints.read(task);
      expect(after?.checkpoint).toBeUndefined();
      expect(after).toMatchObject({ owner: "a", epoch: 1 });
      await stores.checkpoints.clearStop(unique("never"));
      await stores.checkpoints.reset(unique("never"));
    });

    it("removes a task's record only while no tailer holds a live lease", async () => {
      const task = unique("remove");
      const lease = await stores.checkpoints.acquire(task, "a", TTL);
      await stores.checkpoints.save(lease, checkpoint(3));
      await expect(stores.checkpoints.remove(task)).rejects.toThrow(FencedError);
      expect((await stores.checkpoints.read(task))?.checkpoint).toBeDefined();
      now += TTL + 1;
      await stores.checkpoints.remove(task);
      expect(await stores.checkpoints.read(task)).toBeUndefined();
      await stores.checkpoints.remove(unique("never"));
    });
  });
}
