/** The source stream of a chunk, as far as pacing it goes (mysql2's core connection). */
export interface PausableStream {
  pause(): void;
  resume(): void;
}

/**
 * Reads a chunk ahead of its writes, bounded: writes run one after another, reading pauses while
 * `maxInFlight` of them are unacknowledged (and while the rate limit says so), and the first
 * failure rejects the chunk with reading resumed so the query can end.
 */
export class ReadAhead {
  private inFlight = 0;
  private paused = false;
  private writes: Promise<void> = Promise.resolve();
  private readonly started: number;
  private readonly clock: () => number;
  failed = false;

  constructor(
    private readonly stream: PausableStream,
    private readonly options: {
      maxInFlight: number;
      rateLimitRowsPerSecond?: number | undefined;
      onError: (error: unknown) => void;
      /** Epoch ms (default Date.now); the rate limit's pauses are timers on it. */
      clock?: () => number;
    },
  ) {
    this.clock = options.clock ?? Date.now;
    this.started = this.clock();
  }

  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    if (this.paused) this.stream.resume();
    this.options.onError(error);
  }

  /** Queues a write after the ones before it; reading pauses while too many are outstanding. */
  write(work: () => Promise<void>): void {
    this.inFlight++;
    this.writes = this.writes.then(async () => {
      if (this.failed) return;
      await work();
      this.inFlight--;
      this.resume();
    });
    this.writes.catch((error: unknown) => this.fail(error));
    if (this.inFlight >= this.options.maxInFlight) this.pause();
  }

  /** After each row read: pauses reading while it is ahead of the rate limit. */
  throttle(rowsRead: number): void {
    const limit = this.options.rateLimitRowsPerSecond;
    if (!limit) return;
    const due = this.started + (rowsRead / limit) * 1000 - this.clock();
    if (due > 20 && !this.paused) {
      this.pause();
      setTimeout(() => this.resume(), due);
    }
  }

  /** Settles when every queued write is done; a failure has gone to onError by then (see `failed`). */
  finished(): Promise<void> {
    return this.writes.then(
      () => undefined,
      () => undefined,
    );
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.stream.pause();
  }

  private resume(): void {
    if (this.paused && this.inFlight < this.options.maxInFlight) {
      this.paused = false;
      this.stream.resume();
    }
  }
}
