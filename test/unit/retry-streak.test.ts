import { describe, expect, it } from "vitest";
import { RetryStreak } from "#core/incremental/retry-streak.ts";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

describe("the retry window (counted from the start of the failure streak)", () => {
  it("lets a tailer that ran for days longer than its window survive a connection blip", () => {
    let now = 0;
    const streak = new RetryStreak(10 * MINUTE, () => now);
    now = 3 * DAY;
    expect(streak.failed(now - 1000)).toBe(1000);
    expect(streak.since).toBe(3 * DAY);
  });

  it("backs off from 1 s doubling to at most a minute, and gives up once the streak outlasts the window", () => {
    let now = 0;
    const streak = new RetryStreak(10 * MINUTE, () => now);
    const delays: number[] = [];
    for (;;) {
      const delay = streak.failed(undefined); // each attempt fails while connecting
      if (delay === undefined) break;
      delays.push(delay);
      now += delay + 100;
    }
    expect(delays.slice(0, 8)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    expect(now).toBeGreaterThanOrEqual(10 * MINUTE);
    expect(now).toBeLessThan(10 * MINUTE + 61_000);
  });

  it("starts over, window and backoff, after progress", () => {
    let now = 0;
    const streak = new RetryStreak(10 * MINUTE, () => now);
    streak.failed(now);
    now += 9 * MINUTE;
    expect(streak.failed(now - 10)).toBe(2000);
    streak.progressed();
    expect(streak.since).toBeUndefined();
    now += 5 * MINUTE;
    expect(streak.failed(now - 10)).toBe(1000);
    now += 9 * MINUTE;
    expect(streak.failed(now - 10)).toBe(2000);
  });

  it("counts a connection that held a minute as progress, even with nothing to apply", () => {
    let now = 0;
    const streak = new RetryStreak(10 * MINUTE, () => now);
    streak.failed(undefined);
    now += 9 * MINUTE;
    const connected = now;
    now += 2 * MINUTE; // connected for two minutes, then lost again: 11 minutes after the first failure
    expect(streak.failed(connected)).toBe(1000);
    expect(streak.since).toBe(now);
  });

  it("does not count time spent failing to connect as a connection that held", () => {
    let now = 0;
    const streak = new RetryStreak(10 * MINUTE, () => now);
    streak.failed(undefined);
    now += 11 * MINUTE; // one long connect attempt (or a clock jump) later
    expect(streak.failed(undefined)).toBeUndefined();
  });
});
