/**
 * The retry window of a task, as the product counts it: from the first failure of the current
 * streak, not from when the tailer started. Progress (a checkpoint that moved, or a connection
 * that held for a while) ends the streak, and the backoff starts small again. A tailer that has
 * run for weeks therefore survives a connection blip; one that cannot reconnect for longer than
 * the window gives up, and `dts resume` goes on from its checkpoint.
 */
export class RetryStreak {
  private startedAt: number | undefined;
  private backoffMs: number;

  constructor(
    private readonly windowMs: number,
    private readonly clock: () => number,
    private readonly firstBackoffMs = 1000,
    private readonly maxBackoffMs = 60_000,
    /** A connection that held this long counts as progress even if nothing was applied. */
    private readonly heldMs = 60_000,
  ) {
    this.backoffMs = firstBackoffMs;
  }

  /** Something was applied or checkpointed: the streak, if any, is over. */
  progressed(): void {
    this.startedAt = undefined;
    this.backoffMs = this.firstBackoffMs;
  }

  /**
   * A retriable failure of an attempt that had connected at `connectedAt` (undefined when it
   * failed while connecting): how long to wait before the next attempt, or undefined when the
   * window of this streak has run out.
   */
  failed(connectedAt: number | undefined): number | undefined {
    const now = this.clock();
    if (connectedAt !== undefined && now - connectedAt >= this.heldMs) this.progressed();
    this.startedAt ??= now;
    if (now - this.startedAt >= this.windowMs) return undefined;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
    return delay;
  }

  /** When the current streak began (epoch ms), if one is on. */
  get since(): number | undefined {
    return this.startedAt;
  }
}
