import type { TaskSummary } from "#core/api/view.ts";

/** One point of a task's history: when, latency (null before the incremental phase) and rows. */
export interface HistorySample {
  at: number;
  latencySeconds: number | null;
  rows: number;
  /** Rows per second since the previous sample (null for a task's first sample). */
  rowsPerSecond: number | null;
}

export interface HistoryOptions {
  /** Samples kept per task; the oldest go first. */
  capacity?: number;
  now?: () => number;
}

/**
 * The bounded metrics history `dts serve` keeps in memory for the console: a ring of samples per
 * task, taken from GET /tasks every few seconds, so a page opened late still draws the last hours.
 * It lives as long as the server does, and sees the full load too: the charts draw it after the
 * tailer's stored minute samples (GET /tasks/{name}/history, 24 hours, kept across restarts).
 */
export class TaskHistory {
  private readonly rings = new Map<string, HistorySample[]>();
  private readonly capacity: number;
  private readonly now: () => number;

  constructor(options: HistoryOptions = {}) {
    // 3 hours at one sample every 5 s.
    this.capacity = options.capacity ?? 2160;
    this.now = options.now ?? Date.now;
  }

  /** Adds one sample per listed task; tasks no longer listed are forgotten. */
  record(tasks: readonly Pick<TaskSummary, "name" | "latencySeconds" | "rows">[]): void {
    const at = this.now();
    const listed = new Set(tasks.map((t) => t.name));
    for (const name of this.rings.keys()) if (!listed.has(name)) this.rings.delete(name);
    for (const task of tasks) {
      const ring = this.rings.get(task.name) ?? [];
      const previous = ring.at(-1);
      const seconds = previous ? (at - previous.at) / 1000 : 0;
      const rowsPerSecond =
        previous && seconds > 0 ? Math.max(0, Math.round((task.rows - previous.rows) / seconds)) : null;
      ring.push({ at, latencySeconds: task.latencySeconds, rows: task.rows, rowsPerSecond });
      if (ring.length > this.capacity) ring.splice(0, ring.length - this.capacity);
      this.rings.set(task.name, ring);
    }
  }

  samples(name: string): HistorySample[] {
    return [...(this.rings.get(name) ?? [])];
  }
}
