import { describe, expect, it } from "vitest";
import type { HistorySample, TaskStore } from "#core/store/task-store.ts";
import { spec } from "./spec-fixtures.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const MINUTE = 60_000;

/**
 * The metrics history both task stores keep (core/store/task-history.ts): what the tailer appends,
 * the console and GET /tasks/{name}/history read back. Run inside storeContract, on its clock.
 */
export function historyContract(
  stores: () => TaskStore,
  clock: { now(): number; advance(ms: number): void },
  unique: (label: string) => string,
): void {
  const sample = (at: number, appliedRows: number): HistorySample => ({
    at: iso(at),
    latencySeconds: 1.2345,
    rowsPerSecond: 350.06,
    appliedRows,
  });

  describe("metrics history", () => {
    it("reads back a minute's samples across hours, oldest first, after `since`", async () => {
      const name = unique("history");
      await stores().saveSpec(spec({ name }));
      const first = clock.now();
      // 90 samples a minute apart: two hour items in DynamoDB.
      for (let i = 0; i < 90; i++) await stores().appendHistory(name, sample(first + i * MINUTE, i));
      clock.advance(90 * MINUTE);
      const all = await stores().history(name);
      expect(all.map((s) => s.appliedRows)).toEqual(Array.from({ length: 90 }, (_, i) => i));
      // Rounded as kept: milliseconds to the second, latency to the millisecond, rate to a tenth.
      expect(all[0]).toEqual({ at: iso(first), latencySeconds: 1.235, rowsPerSecond: 350.1, appliedRows: 0 });
      const recent = await stores().history(name, first + 80 * MINUTE);
      expect(recent.map((s) => s.appliedRows)).toEqual([81, 82, 83, 84, 85, 86, 87, 88, 89]);
      expect(await stores().history(unique("ghost"))).toEqual([]);
    });

    it("keeps a day: a sample older than 24 hours is never read back", async () => {
      const name = unique("history-day");
      await stores().saveSpec(spec({ name }));
      const first = clock.now();
      await stores().appendHistory(name, sample(first, 1));
      clock.advance(23 * 3600_000);
      await stores().appendHistory(name, sample(clock.now(), 2));
      expect((await stores().history(name)).map((s) => s.appliedRows)).toEqual([1, 2]);
      clock.advance(3600_000 + 1000);
      expect((await stores().history(name)).map((s) => s.appliedRows)).toEqual([2]);
    });

    it("forgets the history on restart and on removal", async () => {
      const name = unique("history-gone");
      await stores().saveSpec(spec({ name }));
      await stores().appendHistory(name, sample(clock.now(), 1));
      clock.advance(MINUTE);
      await stores().restart(name);
      expect(await stores().history(name)).toEqual([]);
      await stores().appendHistory(name, sample(clock.now(), 2));
      clock.advance(MINUTE);
      expect(await stores().history(name)).toHaveLength(1);
      await stores().remove(name);
      await stores().saveSpec(spec({ name }));
      expect(await stores().history(name)).toEqual([]);
    });
  });
}
