import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ReadAhead } from "#core/fullload/read-ahead.ts";

/** A source stream that records when reading was paused and resumed. */
function stream() {
  const events: string[] = [];
  return { events, pause: () => events.push("pause"), resume: () => events.push("resume") };
}

describe("reading a chunk ahead of its writes", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("pauses reading while two writes are unacknowledged and resumes when one is done", async () => {
    const source = stream();
    const pacing = new ReadAhead(source, { maxInFlight: 2, onError: () => undefined });
    let release: () => void = () => undefined;
    const first = new Promise<void>((resolve) => {
      release = resolve;
    });
    pacing.write(() => first);
    expect(source.events).toEqual([]);
    pacing.write(async () => undefined);
    expect(source.events).toEqual(["pause"]);
    release();
    await pacing.finished();
    expect(source.events).toEqual(["pause", "resume"]);
  });

  it("runs writes one after another, and the first failure stops the rest and resumes reading", async () => {
    const source = stream();
    const errors: unknown[] = [];
    const pacing = new ReadAhead(source, { maxInFlight: 1, onError: (e) => errors.push(e) });
    const order: number[] = [];
    pacing.write(async () => {
      order.push(1);
      throw new Error("destination refused");
    });
    pacing.write(async () => {
      order.push(2);
    });
    await pacing.finished();
    expect(order).toEqual([1]);
    expect(pacing.failed).toBe(true);
    expect((errors[0] as Error).message).toBe("destination refused");
    expect(source.events).toEqual(["pause", "resume"]);
  });

  it("holds reading to the rate limit on its clock", () => {
    let now = 1_000_000;
    vi.setSystemTime(now);
    const source = stream();
    const pacing = new ReadAhead(source, {
      maxInFlight: 2,
      rateLimitRowsPerSecond: 100,
      onError: () => undefined,
      clock: () => now,
    });
    // 50 rows read at once are half a second ahead of 100 rows/s: reading pauses for that long.
    pacing.throttle(50);
    expect(source.events).toEqual(["pause"]);
    now += 499;
    vi.advanceTimersByTime(499);
    expect(source.events).toEqual(["pause"]);
    now += 1;
    vi.advanceTimersByTime(1);
    expect(source.events).toEqual(["pause", "resume"]);
    // On schedule: no pause.
    now += 1_000;
    pacing.throttle(150);
    expect(source.events).toEqual(["pause", "resume"]);
  });
});
