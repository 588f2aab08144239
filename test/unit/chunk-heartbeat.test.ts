import { describe, expect, it } from "vitest";
import { ChunkHeartbeat, type Ticker } from "#core/fullload/chunk-heartbeat.ts";
import type { ChunkClaim } from "#core/store/chunk-ledger.ts";

const CLAIM: ChunkClaim = { task: "t", id: "t00000#c0000000", execution: "exec-1", attempt: 1 };
const INTERVAL = 45_000;

/** A clock, a ticker and a ledger the test drives: no timers, no waiting. */
function harness() {
  let now = 1_000_000;
  let tick: (() => void) | undefined;
  let stopped = false;
  const writes: { at: number; rows: number }[] = [];
  let answer: () => Promise<boolean> = async () => true;
  const ticker: Ticker = {
    every(ms, fn) {
      expect(ms).toBe(INTERVAL);
      tick = fn;
      return () => {
        stopped = true;
      };
    },
  };
  const ledger = {
    progress: (claim: ChunkClaim, rows: number) => {
      expect(claim).toEqual(CLAIM);
      writes.push({ at: now, rows });
      return answer();
    },
  };
  const heartbeat = new ChunkHeartbeat(ledger, CLAIM, { now: () => now, intervalMs: INTERVAL, ticker });
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    heartbeat,
    writes,
    advance: (ms: number) => {
      now += ms;
    },
    tick: async () => {
      tick?.();
      await settle();
    },
    answer: (next: () => Promise<boolean>) => {
      answer = next;
    },
    stopped: () => stopped,
    settle,
  };
}

describe("a claimed chunk's heartbeat", () => {
  it("writes at every tick while no rows arrive (one long query), so the gap never exceeds the interval", async () => {
    const h = harness();
    h.heartbeat.start();
    for (let i = 0; i < 3; i++) {
      h.advance(INTERVAL);
      await h.tick();
    }
    expect(h.writes.map((w) => w.rows)).toEqual([0, 0, 0]);
    const gaps = h.writes.slice(1).map((w, i) => w.at - (h.writes[i]?.at ?? 0));
    expect(gaps.every((gap) => gap <= INTERVAL)).toBe(true);
  });

  it("writes the rows copied at most once a second while they arrive, and a tick right after a write waits", async () => {
    const h = harness();
    h.heartbeat.start();
    h.heartbeat.copied(100);
    expect(h.writes).toEqual([]); // not a second since the claim
    h.advance(1000);
    h.heartbeat.copied(50);
    await h.settle();
    h.advance(400);
    h.heartbeat.copied(25);
    await h.tick(); // 400 ms after a write: nothing to do
    expect(h.writes.map((w) => w.rows)).toEqual([150]);
    h.advance(600);
    h.heartbeat.copied(25);
    await h.settle();
    expect(h.writes.map((w) => w.rows)).toEqual([150, 200]);
  });

  it("keeps one write in flight, tries a failed one again at the next tick, and stops when the chunk is lost", async () => {
    const h = harness();
    let finish: (held: boolean) => void = () => undefined;
    h.answer(() => new Promise<boolean>((resolve) => (finish = resolve)));
    h.heartbeat.start();
    h.advance(INTERVAL);
    await h.tick();
    h.advance(INTERVAL);
    await h.tick(); // the first write has not answered: no second one
    expect(h.writes).toHaveLength(1);
    finish(true);
    await h.settle();

    h.answer(async () => {
      throw new Error("throttled");
    });
    h.advance(INTERVAL);
    await h.tick();
    expect(h.heartbeat.lost).toBe(false);
    h.answer(async () => false); // claimed again by another worker
    h.advance(INTERVAL);
    await h.tick();
    expect(h.heartbeat.lost).toBe(true);
    h.advance(INTERVAL);
    await h.tick();
    h.heartbeat.copied(10);
    expect(h.writes).toHaveLength(3);
  });

  it("stops its ticker and waits for the write in flight; a restarted copy counts from zero", async () => {
    const h = harness();
    let finish: (held: boolean) => void = () => undefined;
    h.answer(() => new Promise<boolean>((resolve) => (finish = resolve)));
    h.heartbeat.start();
    h.heartbeat.copied(70);
    h.heartbeat.restart();
    h.advance(1000);
    h.heartbeat.copied(5);
    let stopped = false;
    const stopping = h.heartbeat.stop().then(() => {
      stopped = true;
    });
    await h.settle();
    expect(h.stopped()).toBe(true);
    expect(stopped).toBe(false);
    finish(true);
    await stopping;
    expect(h.writes.map((w) => w.rows)).toEqual([5]);
  });
});
