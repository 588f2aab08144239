import type { BinlogPosition } from "../model/position.ts";

/** How often the tailer reports (EMF line), connected or not. */
export const TAILER_REPORT_INTERVAL_MS = 5_000;

/** Below this headroom (6 hours) the task carries a warning and the tailer logs one. */
export const RETENTION_WARNING_SECONDS = 6 * 3600;

/** A tailer report older than this is stale: latency is then counted from the last applied event. */
const STALE_MS = 2 * TAILER_REPORT_INTERVAL_MS;

/** What a tailer process reports every interval, whether it is connected or reconnecting. */
export interface TailerReport {
  connected: boolean;
  /** Now minus the source time of the last applied event; undefined before anything is known. */
  latencyMs: number | undefined;
  rowsPerSecond: number;
  /**
   * A lower bound on the seconds until the source purges the binlog the checkpoint is in:
   * retention minus (now minus the checkpoint event's time). Negative: it may be purged already.
   * Undefined when the source never purges binlogs or its retention could not be read.
   */
  headroomSeconds: number | undefined;
}

/** A point the task has reached: a binlog position and the source time of its event. */
export interface Reached {
  position: BinlogPosition;
  /** Epoch ms: the event's source commit time (or when the source was seen at that position). */
  sourceTimestamp: number;
}

/** What the tailer told on its last report (core/incremental/tailer.ts TailerMetrics). */
export interface Applied {
  latencyMs: number;
  rowsPerSecond: number;
  /** The last applied (or passed) event. */
  lastEvent: Reached;
  /** The checkpoint written last, if one was written by this tailer. */
  checkpoint?: Reached | undefined;
}

/**
 * The state behind a tailer's heartbeat metrics, kept across reconnects by the process that runs
 * the tailer (core/incremental/service.ts). While reconnecting, the latency keeps growing from the
 * last applied event and the retention headroom keeps shrinking; nothing here reads a clock but
 * the one given.
 */
export class TailerWatch {
  private isConnected = false;
  private lastEventAt: number | undefined;
  private checkpoint: Reached | undefined;
  private retentionSeconds: number | undefined;
  private reported: { at: number; latencyMs: number; rowsPerSecond: number } | undefined;

  constructor(
    private readonly clock: () => number,
    private readonly warnBelowSeconds = RETENTION_WARNING_SECONDS,
  ) {}

  /** Where an attempt resumes: the stored checkpoint, or the position captured before the full load. */
  resumesFrom(reached: Reached): void {
    this.noteCheckpoint(reached);
    this.lastEventAt = Math.max(this.lastEventAt ?? reached.sourceTimestamp, reached.sourceTimestamp);
  }

  /** A connection is up; the source's binlog retention as read on it (undefined: unreadable). */
  connected(retentionSeconds: number | undefined): void {
    this.isConnected = true;
    if (retentionSeconds !== undefined) this.retentionSeconds = retentionSeconds;
  }

  /** The connection is gone (lost, or the attempt failed): reports count from the last event now. */
  disconnected(): void {
    this.isConnected = false;
    this.reported = undefined;
  }

  applied(applied: Applied): void {
    this.reported = { at: this.clock(), latencyMs: applied.latencyMs, rowsPerSecond: applied.rowsPerSecond };
    this.lastEventAt = Math.max(this.lastEventAt ?? 0, applied.lastEvent.sourceTimestamp);
    if (applied.checkpoint) this.noteCheckpoint(applied.checkpoint);
  }

  report(): TailerReport {
    const now = this.clock();
    const reported = this.reported;
    const fresh = this.isConnected && reported !== undefined && now - reported.at <= STALE_MS;
    let latencyMs: number | undefined;
    if (fresh) latencyMs = reported.latencyMs;
    else if (this.lastEventAt !== undefined)
      // Never 0 while nothing is applied: the source may have moved on since (clock skew aside).
      latencyMs = Math.max(1, now - this.lastEventAt, reported?.latencyMs ?? 0);
    return {
      connected: this.isConnected,
      latencyMs,
      rowsPerSecond: fresh ? reported.rowsPerSecond : 0,
      headroomSeconds: this.headroomSeconds(now),
    };
  }

  /** Words for operators when the headroom is below the warning level, else undefined. */
  warning(): string | undefined {
    const headroom = this.headroomSeconds(this.clock());
    const checkpoint = this.checkpoint;
    if (headroom === undefined || checkpoint === undefined || headroom >= this.warnBelowSeconds)
      return undefined;
    const file = checkpoint.position.file;
    const when =
      headroom <= 0 ? "may already be purged" : `may be purged in ${(headroom / 3600).toFixed(1)} hours`;
    return `binlog ${file}, which the task resumes from, ${when} (the source keeps binlogs ${hours(this.retentionSeconds ?? 0)} hours; the checkpoint is from ${new Date(checkpoint.sourceTimestamp).toISOString()}): get the tailer applying again, or raise the source's binlog retention, before it is gone`;
  }

  private headroomSeconds(now: number): number | undefined {
    const retention = this.retentionSeconds;
    const checkpoint = this.checkpoint;
    if (retention === undefined || !Number.isFinite(retention) || checkpoint === undefined) return undefined;
    // The checkpoint's file was written at or after its event, and is purged `retention` after
    // its last write: this never overestimates.
    return Math.round(retention - (now - checkpoint.sourceTimestamp) / 1000);
  }

  private noteCheckpoint(reached: Reached): void {
    if (this.checkpoint === undefined || reached.sourceTimestamp >= this.checkpoint.sourceTimestamp)
      this.checkpoint = reached;
  }
}

function hours(seconds: number): string {
  return (seconds / 3600).toFixed(seconds % 3600 === 0 ? 0 : 1);
}
