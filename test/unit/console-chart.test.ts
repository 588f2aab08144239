import { expect, it } from "vitest";
// @ts-expect-error: the console's browser module has no type declarations
import { chartPoints } from "../../local/console/view.js";

it("charts the stored minute samples up to where dts serve's own 5 s samples begin, then those", () => {
  const at = (minute: number) => Date.UTC(2031, 0, 1, 8, minute);
  const stored = [0, 1, 2, 3].map((m) => ({
    at: new Date(at(m)).toISOString(),
    latencySeconds: m,
    rowsPerSecond: 10 * m,
    appliedRows: 100 * m,
  }));
  const live = [
    { at: at(2) + 5000, latencySeconds: 7, rows: 5, rowsPerSecond: null },
    { at: at(2) + 10_000, latencySeconds: 8, rows: 9, rowsPerSecond: 0.8 },
  ];
  expect(chartPoints(stored, live)).toEqual([
    { at: at(0), latencySeconds: 0, rowsPerSecond: 0 },
    { at: at(1), latencySeconds: 1, rowsPerSecond: 10 },
    { at: at(2), latencySeconds: 2, rowsPerSecond: 20 },
    { at: at(2) + 5000, latencySeconds: 7, rowsPerSecond: null },
    { at: at(2) + 10_000, latencySeconds: 8, rowsPerSecond: 0.8 },
  ]);
  // A server just started has no samples of its own: the stored day is the whole chart.
  expect(chartPoints(stored, [])).toHaveLength(4);
});
