import { expect, it } from "vitest";
import { FencedError } from "#core/errors.ts";
import {
  type Chunk,
  type ChunkLedger,
  ChunkLostError,
  chunkId,
  claimOf,
  type PlanCursor,
} from "#core/store/chunk-ledger.ts";

/** What the chunk ledger cases of the store contract work with (test/support/store-contract.ts). */
export interface LedgerContext {
  ledger(): ChunkLedger;
  /** The suite's clock (epoch ms), which only the cases move. */
  now(): number;
  advance(ms: number): void;
  /** A task name unique to this run: the DynamoDB table is shared with other tests. */
  unique(label: string): string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The chunk ledger's part of the store contract: plans, claims, heartbeats, fencing, counts. */
export function ledgerContract(context: LedgerContext): void {
  const { unique } = context;
  const ledger = () => context.ledger();
  const plan = (task: string, chunks: number, table = 0): Chunk[] =>
    Array.from({ length: chunks }, (_, i) => ({
      task,
      id: chunkId(table, i),
      tableIndex: table,
      table: `shop.t${table}`,
      lower: i === 0 ? null : [String(i * 100)],
      upper: i === chunks - 1 ? null : [String((i + 1) * 100)],
      estimatedRows: 100,
      state: "pending" as const,
      rows: 0,
      attempts: 0,
      updatedAt: iso(context.now()),
    }));
  const totals = (chunks: number, done: number, estimatedRows: number, rowsCopied: number) => ({
    chunks,
    done,
    estimatedRows,
    rowsCopied,
  });
  const claim = async (task: string, execution: string, worker = 0, workers = 1) =>
    ledger().claim(task, execution, worker, workers);

  it("replaces the plan and lists it in id order, the chunks not done on their own", async () => {
    const task = unique("plan");
    await ledger().replace(task, [...plan(task, 2, 1), ...plan(task, 3, 0)].reverse());
    expect((await ledger().list(task)).map((c) => c.id)).toEqual([
      ...plan(task, 3, 0).map((c) => c.id),
      ...plan(task, 2, 1).map((c) => c.id),
    ]);
    expect(await ledger().list(task)).toContainEqual(plan(task, 3, 0)[0]);
    const first = (await claim(task, "exec-1")) as Chunk;
    await ledger().markDone(claimOf(first), 90);
    expect((await ledger().list(task, { notDone: true })).map((c) => c.id)).not.toContain(first.id);
    expect(await ledger().summary(task)).toMatchObject(totals(5, 1, 500, 90));
    const table = (name: string, chunks: number, done: number, rows: number) => ({
      table: name,
      chunks,
      done,
      estimatedRows: chunks * 100,
      rowsCopied: rows,
    });
    expect((await ledger().summary(task)).tables).toEqual([
      table("shop.t0", 3, 1, 90),
      table("shop.t1", 2, 0, 0),
    ]);

    await ledger().replace(task, plan(task, 1, 2));
    expect((await ledger().list(task)).map((c) => c.id)).toEqual([chunkId(2, 0)]);
    expect(await ledger().summary(task)).toMatchObject(totals(1, 0, 100, 0));
    await ledger().replace(task, []);
    expect(await ledger().summary(task)).toMatchObject(totals(0, 0, 0, 0));
    expect(await claim(task, "exec-1")).toBeUndefined();
  });

  it("never hands one chunk to two workers of an execution, and hands out every chunk", async () => {
    const task = unique("claim");
    await ledger().replace(task, plan(task, 12));
    const claimed: string[] = [];
    // Every worker starts at the same place (the worst case): they race for the same chunks.
    const worker = async () => {
      for (;;) {
        const chunk = await claim(task, "exec-1");
        if (!chunk) return;
        // As claimed: copying, this execution's, its first attempt.
        expect(chunk).toMatchObject({ state: "copying", execution: "exec-1", attempts: 1, rows: 0 });
        claimed.push(chunk.id);
      }
    };
    await Promise.all([1, 2, 3, 4].map(worker));
    expect(claimed.sort()).toEqual(plan(task, 12).map((c) => c.id));
    for (const chunk of await ledger().list(task))
      expect(chunk).toMatchObject({ state: "copying", execution: "exec-1", attempts: 1, rows: 0 });
  });

  it("starts workers at different places in the ledger", async () => {
    const task = unique("offset");
    await ledger().replace(task, plan(task, 4));
    expect((await claim(task, "exec-1", 1, 2))?.id).toBe(chunkId(0, 2));
    expect((await claim(task, "exec-1", 0, 2))?.id).toBe(chunkId(0, 0));
  });

  it("lets a resumed execution take the chunks an interrupted one left copying, fencing the old one", async () => {
    const task = unique("resume");
    await ledger().replace(task, plan(task, 2));
    const a = (await claim(task, "exec-1")) as Chunk;
    const b = (await claim(task, "exec-1")) as Chunk;
    expect(await ledger().progress(claimOf(a), 40)).toBe(true);
    await ledger().markDone(claimOf(b), 100);
    expect(await claim(task, "exec-1")).toBeUndefined();

    context.advance(60_000); // well within the heartbeat timeout: another execution need not wait
    const taken = await claim(task, "exec-2");
    expect(taken?.id).toBe(a.id);
    const [resumed, done] = await ledger().list(task);
    expect(resumed).toMatchObject({ state: "copying", execution: "exec-2", attempts: 2, rows: 0 });
    expect(resumed?.updatedAt).toBe(iso(context.now()));
    expect(done).toMatchObject({ state: "done", rows: 100, execution: "exec-1" });
    expect(await claim(task, "exec-2")).toBeUndefined();

    // The old execution's late writes: progress is refused, marking done is fenced.
    expect(await ledger().progress(claimOf(a), 77)).toBe(false);
    const fenced = ledger().markDone(claimOf(a), 100);
    await expect(fenced).rejects.toThrow(FencedError);
    await expect(fenced).rejects.toMatchObject({ name: "FencedError", sameExecution: false });
    const [after] = await ledger().list(task);
    expect(after).toMatchObject({ rows: 0, state: "copying", execution: "exec-2" });
  });

  it("records progress only for the holder of a chunk that is still copying", async () => {
    const task = unique("progress");
    await ledger().replace(task, plan(task, 1));
    const chunk = (await claim(task, "exec-1")) as Chunk;
    context.advance(5);
    expect(await ledger().progress(claimOf(chunk), 30)).toBe(true);
    expect((await ledger().list(task))[0]).toMatchObject({ rows: 30, updatedAt: iso(context.now()) });
    await ledger().markDone(claimOf(chunk), 95);
    expect(await ledger().progress(claimOf(chunk), 31)).toBe(false);
    expect(await ledger().progress({ ...claimOf(chunk), id: chunkId(9, 9) }, 31)).toBe(false);
    expect((await ledger().list(task))[0]).toMatchObject({ state: "done", rows: 95 });
    expect(await ledger().list(task)).toHaveLength(1);
  });

  it("reclaims a chunk whose heartbeat is older than the timeout, even for its own execution, and fences the old holder", async () => {
    const task = unique("reclaim");
    const timeout = ledger().heartbeatTimeoutMs;
    await ledger().replace(task, plan(task, 1));
    const first = (await claim(task, "exec-1", 0, 2)) as Chunk;
    // Its heartbeat is fresh: no worker of its execution may take it.
    context.advance(timeout);
    expect(await claim(task, "exec-1", 1, 2)).toBeUndefined();
    // One millisecond more and it is silent for longer than the timeout: the other worker takes it.
    context.advance(1);
    const again = await claim(task, "exec-1", 1, 2);
    expect(again).toMatchObject({
      id: first.id,
      state: "copying",
      execution: "exec-1",
      attempts: 2,
      rows: 0,
    });
    expect(again?.updatedAt).toBe(iso(context.now()));
    expect(await claim(task, "exec-1", 0, 2)).toBeUndefined();

    // The worker that went silent: its progress is refused, marking done is fenced.
    expect(await ledger().progress(claimOf(first), 10)).toBe(false);
    const fenced = ledger().markDone(claimOf(first), 10);
    await expect(fenced).rejects.toBeInstanceOf(ChunkLostError);
    await expect(fenced).rejects.toMatchObject({ name: "FencedError", sameExecution: true });
    await ledger().markDone(claimOf(again as Chunk), 100);
    expect(await ledger().summary(task)).toMatchObject(totals(1, 1, 100, 100));
  });

  it("keeps a chunk with its holder while the heartbeat goes on", async () => {
    const task = unique("heartbeat");
    const timeout = ledger().heartbeatTimeoutMs;
    await ledger().replace(task, plan(task, 2));
    const held = (await claim(task, "exec-1")) as Chunk;
    for (let beat = 1; beat <= 3; beat++) {
      context.advance(timeout - 1);
      expect(await ledger().progress(claimOf(held), beat * 10)).toBe(true);
      // The other chunk is pending: claims take it, never the one with a live heartbeat.
      const other = await claim(task, "exec-1");
      if (other) expect(other.id).not.toBe(held.id);
    }
    context.advance(timeout - 1);
    expect(await claim(task, "exec-1")).toBeUndefined();
    expect((await ledger().list(task))[0]).toMatchObject({ id: held.id, attempts: 1, rows: 30 });
  });

  it("gives a failed copy's chunk back at once; a lost holder gives nothing back", async () => {
    const task = unique("release");
    await ledger().replace(task, plan(task, 1));
    const first = (await claim(task, "exec-1")) as Chunk;
    await ledger().progress(claimOf(first), 50);
    await ledger().release(claimOf(first));
    expect((await ledger().list(task))[0]).toMatchObject({ state: "pending", rows: 0, attempts: 1 });
    const second = (await claim(task, "exec-1")) as Chunk;
    expect(second).toMatchObject({ id: first.id, attempts: 2 });
    await ledger().release(claimOf(first)); // no longer its chunk
    expect((await ledger().list(task))[0]).toMatchObject({ state: "copying", attempts: 2 });
    await expect(ledger().markDone(claimOf(first), 1)).rejects.toThrow(FencedError);
  });

  it("gives a failed copy's chunk back with its error, and no claim takes it before its backoff is over", async () => {
    const task = unique("backoff");
    await ledger().replace(task, plan(task, 2));
    const first = (await claim(task, "exec-1")) as Chunk;
    await ledger().progress(claimOf(first), 50);
    const error = {
      message: "PROTOCOL_CONNECTION_LOST: Connection lost",
      at: iso(context.now()),
      attempt: 1,
    };
    const retryAt = iso(context.now() + 60_000);
    await ledger().release(claimOf(first), { error, retryAt });
    expect((await ledger().list(task))[0]).toMatchObject({
      state: "pending",
      rows: 0,
      attempts: 1,
      retryAt,
      lastError: error,
    });
    // The other chunk is claimed; the backing-off one is not, by any execution, until its time.
    expect((await claim(task, "exec-1"))?.id).toBe(chunkId(0, 1));
    context.advance(59_999);
    expect(await claim(task, "exec-1")).toBeUndefined();
    expect(await claim(task, "exec-2")).toMatchObject({ id: chunkId(0, 1) }); // a takeover of the live one
    context.advance(1);
    const again = (await claim(task, "exec-2")) as Chunk;
    expect(again).toMatchObject({ id: first.id, state: "copying", attempts: 2, lastError: error });
    expect(again.retryAt).toBeUndefined();
    // The first holder's late release with an error leaves the new holder alone.
    await ledger().release(claimOf(first), { error, retryAt: iso(context.now() + 1) });
    expect((await ledger().list(task))[0]).toMatchObject({ state: "copying", execution: "exec-2" });
  });

  it("claims backing-off chunks in the order their backoff ends, after the pending ones", async () => {
    const task = unique("retry-order");
    await ledger().replace(task, plan(task, 3));
    const a = (await claim(task, "exec-1")) as Chunk;
    const b = (await claim(task, "exec-1")) as Chunk;
    const error = { message: "lock wait", at: iso(context.now()), attempt: 1 };
    await ledger().release(claimOf(a), { error, retryAt: iso(context.now() + 2000) });
    await ledger().release(claimOf(b), { error, retryAt: iso(context.now() + 1000) });
    context.advance(5000);
    const next = [];
    for (let i = 0; i < 3; i++) next.push((await claim(task, "exec-1"))?.id);
    expect(next).toEqual([chunkId(0, 2), b.id, a.id]);
  });

  it("marks a chunk failed for its holder only, keeps every claim off it, and gives it back to another execution", async () => {
    const task = unique("failed");
    await ledger().replace(task, plan(task, 2));
    const first = (await claim(task, "exec-1")) as Chunk;
    const error = { message: "FatalError: Unknown column 'x'", at: iso(context.now()), attempt: 1 };
    expect(await ledger().fail({ ...claimOf(first), attempt: 9 }, error)).toBe(false); // not its hold
    expect(await ledger().fail(claimOf(first), error)).toBe(true);
    expect(await ledger().failed(task)).toEqual([
      expect.objectContaining({
        id: first.id,
        state: "failed",
        attempts: 1,
        execution: "exec-1",
        lastError: error,
      }),
    ]);
    context.advance(3_600_000); // no heartbeat matters: a failed chunk is never claimed
    expect((await claim(task, "exec-1"))?.id).toBe(chunkId(0, 1));
    expect(await claim(task, "exec-2")).toMatchObject({ id: chunkId(0, 1) });
    expect(await claim(task, "exec-3")).toMatchObject({ id: chunkId(0, 1) });
    await expect(ledger().markDone(claimOf(first), 1)).rejects.toThrow(FencedError);
    expect(await ledger().summary(task)).toMatchObject(totals(2, 0, 200, 0));

    // The execution that failed it gives nothing back; a resumed one does, its attempts from zero.
    expect(await ledger().reopen(task, "exec-1")).toBe(0);
    expect(await ledger().reopen(task, "exec-4")).toBe(1);
    expect(await ledger().reopen(task, "exec-4")).toBe(0);
    expect(await ledger().failed(task)).toEqual([]);
    const retried = (await claim(task, "exec-4")) as Chunk;
    expect(retried).toMatchObject({ id: first.id, attempts: 1, execution: "exec-4", lastError: error });
    await ledger().markDone(claimOf(retried), 100);
    expect(await ledger().summary(task)).toMatchObject({ done: 1, rowsCopied: 100 });
  });

  it("claims pending chunks first, then silent ones, oldest heartbeat first", async () => {
    const task = unique("order");
    const timeout = ledger().heartbeatTimeoutMs;
    await ledger().replace(task, plan(task, 4));
    const a = (await claim(task, "exec-1")) as Chunk;
    context.advance(10);
    const b = (await claim(task, "exec-1")) as Chunk;
    context.advance(timeout + 1); // a and b are both silent now, a for longer
    const next = [];
    for (let i = 0; i < 4; i++) next.push((await claim(task, "exec-1"))?.id);
    expect(next).toEqual([chunkId(0, 2), chunkId(0, 3), a.id, b.id]);
  });

  it("counts done chunks and rows, in-flight rows too, and marking done twice counts once", async () => {
    const task = unique("summary");
    await ledger().replace(task, plan(task, 3));
    const a = (await claim(task, "exec-1")) as Chunk;
    const b = (await claim(task, "exec-1")) as Chunk;
    await ledger().progress(claimOf(b), 25);
    await ledger().markDone(claimOf(a), 100);
    await ledger().markDone(claimOf(a), 100); // a retried request: already done by this claim
    expect(await ledger().summary(task)).toMatchObject(totals(3, 1, 300, 125));
    expect((await ledger().summary(task)).tables).toEqual([
      { table: "shop.t0", chunks: 3, done: 1, estimatedRows: 300, rowsCopied: 125 },
    ]);
    await ledger().markDone(claimOf(b), 90);
    expect(await ledger().summary(task)).toMatchObject(totals(3, 2, 300, 190));
  });
  it("appends planned chunks batch by batch with the plan cursor, counting them as they come", async () => {
    const task = unique("append");
    const cursor = (table: number, chunk: number, lower: string[] | null, done = false): PlanCursor => ({
      planId: "p1",
      table,
      chunk,
      lower,
      done,
    });
    await ledger().replace(task, []);
    expect(await ledger().planCursor(task)).toBeUndefined();
    const [a, b, c] = plan(task, 3);
    await ledger().append(task, [a as Chunk, b as Chunk], cursor(0, 2, ["200"]));
    expect(await ledger().planCursor(task)).toEqual(cursor(0, 2, ["200"]));
    expect(await ledger().summary(task)).toMatchObject(totals(2, 0, 200, 0));
    // Chunks planned so far may be claimed and finished while planning goes on.
    const first = (await claim(task, "exec-1")) as Chunk;
    await ledger().markDone(claimOf(first), 100);
    await ledger().append(task, [c as Chunk], cursor(1, 0, null));
    await ledger().append(task, plan(task, 1, 1), cursor(2, 0, null, true));
    expect(await ledger().planCursor(task)).toEqual(cursor(2, 0, null, true));
    expect((await ledger().list(task)).map((x) => x.id)).toEqual([
      ...plan(task, 3).map((x) => x.id),
      chunkId(1, 0),
    ]);
    expect(await ledger().summary(task)).toMatchObject(totals(4, 1, 400, 100));
    expect((await ledger().summary(task)).tables).toEqual([
      { table: "shop.t0", chunks: 3, done: 1, estimatedRows: 300, rowsCopied: 100 },
      { table: "shop.t1", chunks: 1, done: 0, estimatedRows: 100, rowsCopied: 0 },
    ]);
    // The last append may carry no chunk: only the cursor moves.
    await ledger().append(task, [], cursor(2, 0, null, true));
    expect(await ledger().summary(task)).toMatchObject(totals(4, 1, 400, 100));
    // A new plan drops the cursor with the chunks.
    await ledger().replace(task, []);
    expect(await ledger().planCursor(task)).toBeUndefined();
    expect(await ledger().summary(task)).toEqual({ ...totals(0, 0, 0, 0), tables: [] });
  });

  it("reads the plan cursor without losing a chunk before it, and a whole plan has none", async () => {
    const task = unique("cursor");
    await ledger().replace(task, plan(task, 2));
    expect(await ledger().planCursor(task)).toBeUndefined();
    await ledger().replace(task, []);
    const chunks = plan(task, 3);
    await ledger().append(task, chunks, { planId: "p1", table: 0, chunk: 3, lower: ["300"], done: false });
    expect((await ledger().planCursor(task))?.chunk).toBe(3);
    expect((await ledger().list(task)).map((x) => x.id)).toEqual(chunks.map((x) => x.id));
  });
}
