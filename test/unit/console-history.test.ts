import { describe, expect, it } from "vitest";
import { TaskHistory } from "../../local/console-history.ts";

describe("the console's metrics history (dts serve)", () => {
  it("keeps one ring per task, bounded, with rows/s between samples", () => {
    let now = 1_000_000;
    const history = new TaskHistory({ capacity: 3, now: () => now });
    history.record([{ name: "a", latencySeconds: null, rows: 0 }]);
    for (const rows of [500, 1500, 1500]) {
      now += 5000;
      history.record([{ name: "a", latencySeconds: 0.2, rows }]);
    }
    const samples = history.samples("a");
    // Four samples taken, three kept: the oldest went first.
    expect(samples.map((s) => s.rows)).toEqual([500, 1500, 1500]);
    expect(samples.map((s) => s.rowsPerSecond)).toEqual([100, 200, 0]);
    expect(samples.map((s) => s.at)).toEqual([1_005_000, 1_010_000, 1_015_000]);
    expect(history.samples("unknown")).toEqual([]);
  });

  it("forgets a task no longer listed, and never reports a negative rate", () => {
    let now = 0;
    const history = new TaskHistory({ now: () => now });
    history.record([
      { name: "a", latencySeconds: 1, rows: 100 },
      { name: "b", latencySeconds: null, rows: 10 },
    ]);
    now += 1000;
    // A restarted task counts its rows from zero again.
    history.record([{ name: "a", latencySeconds: 1, rows: 40 }]);
    expect(history.samples("b")).toEqual([]);
    expect(history.samples("a").at(-1)?.rowsPerSecond).toBe(0);
  });
});
