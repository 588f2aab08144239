import type { ChunkClaim, ChunkLedger } from "../store/chunk-ledger.ts";

/** Calls `tick` every `ms` until the returned function is called. */
export interface Ticker {
  every(ms: number, tick: () => void): () => void;
}

/** Timers of this process (they do not keep it alive). */
export const intervalTicker: Ticker = {
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

export interface HeartbeatOptions {
  now: () => number;
  /** The longest gap between two writes while the chunk is held (a quarter of the ledger's timeout). */
  intervalMs: number;
  ticker: Ticker;
  /** The shortest gap between two writes while rows arrive. */
  progressMs?: number;
}

/**
 * The heartbeat of one claimed chunk: writes the rows copied so far to the ledger at most every
 * second while rows arrive, and at least every `intervalMs` while none do (one long query, a slow
 * destination), so no other worker claims the chunk while this one still copies it. One write at a
 * time; a failed write is tried again at the next tick. `lost` turns true once the ledger answers
 * that the chunk was claimed again (marking it done will then be fenced).
 */
export class ChunkHeartbeat {
  private rows = 0;
  private lastBeat: number;
  private writing: Promise<void> | undefined;
  private stopTicker: (() => void) | undefined;
  lost = false;

  constructor(
    private readonly ledger: Pick<ChunkLedger, "progress">,
    private readonly claim: ChunkClaim,
    private readonly options: HeartbeatOptions,
  ) {
    this.lastBeat = options.now();
  }

  start(): void {
    this.stopTicker ??= this.options.ticker.every(this.options.intervalMs, () => {
      // A tick right after a write waits for the next one; the gap never exceeds one interval.
      if (this.options.now() - this.lastBeat >= this.options.intervalMs / 2) this.beat();
    });
  }

  /** Rows written since the last call. */
  copied(rows: number): void {
    this.rows += rows;
    if (this.options.now() - this.lastBeat >= (this.options.progressMs ?? 1000)) this.beat();
  }

  /** The copy starts over (another write method): no rows so far. */
  restart(): void {
    this.rows = 0;
  }

  /** Stops beating; resolves once the write in flight (if any) has ended. */
  async stop(): Promise<void> {
    this.stopTicker?.();
    this.stopTicker = undefined;
    await this.writing;
  }

  private beat(): void {
    if (this.writing || this.lost) return;
    this.lastBeat = this.options.now();
    this.writing = this.ledger
      .progress(this.claim, this.rows)
      .then(
        (held) => {
          if (!held) this.lost = true;
        },
        () => undefined,
      )
      .finally(() => {
        this.writing = undefined;
      });
  }
}
