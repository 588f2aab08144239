import type { Connection } from "mysql2/promise";
import { FencedError } from "../errors.ts";
import { type BinlogPosition, comparePositions } from "../model/position.ts";
import type { SourceTransaction } from "../model/row.ts";
import { loadEtlEngine } from "../pipeline/etl.ts";
import type { ChangeSink } from "../pipeline/sink.ts";
import { buildRoutes, type TableRoute } from "../pipeline/table-route.ts";
import { readCatalog } from "../source/catalog-reader.ts";
import type { TaskSpec } from "../spec/schema.ts";
import type { CheckpointStore, Lease } from "../store/checkpoint-store.ts";
import type { BinlogReader } from "./binlog-reader.ts";
import { TransactionQueue, weight } from "./transaction-queue.ts";

export interface TailerMetrics {
  position: BinlogPosition;
  /** Source commit time of the last applied (or passed) transaction, epoch ms. */
  sourceTimestamp: number;
  /** Now minus the source commit time of the last applied transaction. */
  latencyMs: number;
  rowsPerSecond: number;
  appliedRows: number;
  /** The last checkpoint this tailer wrote (its binlog is the oldest the task still needs). */
  checkpoint?: { position: BinlogPosition; sourceTimestamp: number } | undefined;
}

/** Builds the table routes of the task (at start, and again after DDL that may change them). */
export type RouteLoader = (spec: TaskSpec) => Promise<Map<string, TableRoute>>;

interface TailerPorts {
  spec: TaskSpec;
  owner: string;
  reader: BinlogReader;
  sink: ChangeSink;
  checkpoints: CheckpointStore;
  start: BinlogPosition;
  onMetrics?: (metrics: TailerMetrics) => Promise<void>;
  /** Called when a checkpoint moved: the task is making progress (its retry streak is over). */
  onProgress?: () => void;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** How long a lease lasts unless renewed (default 15 s); it is renewed every third of it. */
  leaseTtlMs?: number | undefined;
  /** Queue bound: the binlog is paused while this many changes wait to be applied. */
  maxQueuedChanges?: number;
  /** Queue bound: the binlog is paused while row events of this many binlog bytes wait. */
  maxQueuedBytes?: number;
  /** Epoch milliseconds now (lease expiry, latency, metrics); Date.now unless a test moves time. */
  clock?: () => number;
}

/** Routes come from the source's catalog, or from a loader given instead. */
export type TailerDeps = TailerPorts & ({ source: Connection } | { loadRoutes: RouteLoader });

const DEFAULT_LEASE_TTL_MS = 15_000;
/**
 * Queue bounds: the reader stays about a batch ahead of the destination, no more. A decoded change
 * takes far more memory than its binlog bytes (measured: a 1M-change backlog peaks under 300 MB
 * RSS at 8,000 changes; 50,000 peaked at 450 MB and spent more time collecting garbage), and
 * wide rows are bounded by their binlog bytes.
 */
const DEFAULT_MAX_QUEUED_CHANGES = 8_000;
const DEFAULT_MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** A destination commit takes whole transactions up to about this many changes. */
const BATCH_CHANGES = 5_000;
/**
 * Positions passed without a write (an idle source's heartbeats, transactions of unselected
 * databases) are checkpointed at most this often, so restarts, purges and `--until caught-up`
 * see them without a checkpoint write per skipped transaction.
 */
const SKIPPED_CHECKPOINT_MS = 2_000;
/**
 * While a backlog drains, a commit's position is checkpointed at most this often (a restart
 * applies at most this much again; row images make that harmless); once caught up, every commit's.
 */
const DRAINING_CHECKPOINT_MS = 1_000;

/** Routes from the catalog the source connection reads (with the task's ETL engine loaded). */
function catalogRoutes(source: Connection): RouteLoader {
  return async (spec) => {
    const databases = [...new Set(spec.objects.map((o) => o.database))];
    await loadEtlEngine(spec);
    return buildRoutes(spec, await readCatalog(source, databases));
  };
}

/**
 * The incremental phase: reads committed source transactions from `start`, applies them to the
 * destination (several small transactions per destination commit, never one split), and writes
 * the checkpoint only after the destination committed. One writer per task: the lease is taken
 * before the first write and checked before every write.
 */
export class Tailer {
  private readonly queue = new TransactionQueue();
  private paused = false;
  private stopping = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private lease: Lease | undefined;
  private routes = new Map<string, TableRoute>();
  private readonly loadRoutes: RouteLoader;
  private readonly now: () => number;
  private readonly ttl: number;
  private readonly maxQueued: number;
  private readonly maxQueuedBytes: number;
  private applied = 0;
  private windowStart: number;
  private windowRows = 0;
  private lastMetrics = 0;
  private lastApplied: SourceTransaction | undefined;
  private lastDelayMs = 0;
  /** The last transaction applied or passed and not checkpointed yet. */
  private unsaved: SourceTransaction | undefined;
  private lastSave = 0;
  private savedPosition: BinlogPosition | undefined;
  private savedTimestamp = 0;
  /** The metrics report on its way (at most one): the apply loop does not wait for it. */
  private metricsSent: Promise<void> | undefined;

  constructor(private readonly deps: TailerDeps) {
    this.loadRoutes = "loadRoutes" in deps ? deps.loadRoutes : catalogRoutes(deps.source);
    this.now = deps.clock ?? Date.now;
    this.ttl = deps.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.maxQueued = deps.maxQueuedChanges ?? DEFAULT_MAX_QUEUED_CHANGES;
    this.maxQueuedBytes = deps.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.windowStart = this.now();
  }

  /** Resolves when the tailer stopped (stop requested, SIGTERM, fenced); rejects on failure. */
  async run(): Promise<void> {
    const { checkpoints, reader } = this.deps;
    this.lease = await this.acquire();
    if (!this.lease) return;
    this.deps.log?.("lease taken", { epoch: this.lease.epoch, position: this.deps.start });
    await this.refreshRoutes();
    const renewal = setInterval(() => void this.renew(), Math.max(500, this.ttl / 3));
    let stoppedCleanly = false;
    try {
      await reader.start(
        await this.startPosition(),
        (tx) => this.enqueue(tx),
        (error) => this.fail(error),
      );
      await this.applyLoop();
      if (this.stopping && !this.failure && this.unsaved) await this.checkpoint(this.unsaved);
      // Asked to stop and everything read is applied: what the reader reports while closing is moot.
      stoppedCleanly = this.stopping && !this.failure;
    } finally {
      clearInterval(renewal);
      await this.metricsSent;
      await reader.stop();
      if (this.lease && !(this.failure instanceof FencedError))
        await checkpoints.release(this.lease).catch(() => undefined);
    }
    if (this.failure && !stoppedCleanly) throw this.failure;
  }

  /** The stored checkpoint, or the destination's own when it committed past it (see ChangeSink). */
  private async startPosition(): Promise<BinlogPosition> {
    const committed = await this.deps.sink.committedPosition?.();
    if (!committed || comparePositions(committed, this.deps.start) <= 0) return this.deps.start;
    this.deps.log?.(
      "starting from the destination's checkpoint, committed with the data after the stored one",
      {
        stored: this.deps.start,
        committed,
      },
    );
    return committed;
  }

  /**
   * Takes the lease, waiting as a standby (no writes) while another tailer holds it: a crashed
   * tailer's lease expires after its TTL and this one takes over with a new epoch.
   */
  private async acquire(): Promise<Lease | undefined> {
    let announced = false;
    while (!this.stopping) {
      try {
        return await this.deps.checkpoints.acquire(this.deps.spec.name, this.deps.owner, this.ttl);
      } catch (error) {
        if (!(error instanceof FencedError)) throw error;
        if (!announced)
          this.deps.log?.("standby: another tailer holds the lease; waiting, writing nothing", {
            reason: error.message,
          });
        announced = true;
        await new Promise((resolve) => setTimeout(resolve, Math.max(250, this.ttl / 5)));
      }
    }
    return undefined;
  }

  /** Graceful stop: what is queued is applied and checkpointed first. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.wake?.();
  }

  private enqueue(tx: SourceTransaction): void {
    this.queue.push(tx);
    if (!this.paused && (this.queue.changes >= this.maxQueued || this.queue.bytes >= this.maxQueuedBytes)) {
      this.paused = true;
      this.deps.reader.pause();
    }
    this.wake?.();
  }

  private async renew(): Promise<void> {
    if (!this.lease || this.failure) return;
    try {
      const renewed = await this.deps.checkpoints.renew(this.lease, this.ttl);
      this.lease = renewed.lease;
      if (renewed.stopRequested) this.stop();
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private async refreshRoutes(): Promise<void> {
    this.routes = await this.loadRoutes(this.deps.spec);
  }

  private async applyLoop(): Promise<void> {
    for (;;) {
      if (this.failure) return;
      if (this.queue.length === 0) {
        if (this.stopping) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, 200);
        });
        this.wake = undefined;
        if (this.unsaved && this.now() - this.lastSave >= SKIPPED_CHECKPOINT_MS)
          await this.checkpoint(this.unsaved);
        await this.reportMetrics();
        continue;
      }
      await this.applyBatch();
    }
  }

  /** Takes whole transactions up to a DDL (applied on its own) or about BATCH_CHANGES changes. */
  private takeBatch(): SourceTransaction[] {
    const batch: SourceTransaction[] = [];
    let size = 0;
    for (let next = this.queue.peek(); next; next = this.queue.peek()) {
      if (next.ddl && batch.length > 0) break;
      batch.push(next);
      this.queue.shift();
      size += weight(next);
      if (next.ddl || size >= BATCH_CHANGES) break;
    }
    if (
      this.paused &&
      this.queue.changes < this.maxQueued / 2 &&
      this.queue.bytes < this.maxQueuedBytes / 2
    ) {
      this.paused = false;
      this.deps.reader.resume();
    }
    return batch;
  }

  private async applyBatch(): Promise<void> {
    const batch = this.takeBatch();
    const last = batch.at(-1);
    if (!last || !this.lease) return;
    const writes = batch.some((tx) => tx.ddl || tx.changes.length > 0);
    if (!writes && this.now() - this.lastSave < SKIPPED_CHECKPOINT_MS) {
      this.unsaved = last;
      this.noteApplied(last);
      return;
    }
    // Never write on a lease that may have expired: renew first when it is close.
    if (this.lease.expiresAt - this.now() < this.ttl / 3) await this.renew();
    if (this.failure) return;
    if (last.ddl) {
      if (await this.deps.sink.writeDdl(last, this.routes)) await this.refreshRoutes();
    } else if (writes) {
      const rows = await this.deps.sink.writeTransactions(batch, this.routes);
      this.applied += rows;
      this.windowRows += rows;
    }
    const draining = this.queue.length > 0 && !last.ddl && !this.stopping;
    if (draining && this.now() - this.lastSave < DRAINING_CHECKPOINT_MS) this.unsaved = last;
    else await this.checkpoint(last);
    this.noteApplied(last);
    await this.reportMetrics();
  }

  /** Saves `last`'s position as the checkpoint (only after what came before it was written). */
  private async checkpoint(last: SourceTransaction): Promise<void> {
    if (!this.lease) return;
    await this.deps.checkpoints.save(this.lease, {
      position: last.position,
      sourceTimestamp: last.timestamp,
      updatedAt: new Date(this.now()).toISOString(),
    });
    this.lastSave = this.now();
    this.unsaved = undefined;
    const before = this.savedPosition;
    this.savedPosition = last.position;
    this.savedTimestamp = last.timestamp;
    if (!before || before.file !== last.position.file || before.position !== last.position.position)
      this.deps.onProgress?.();
  }

  private noteApplied(last: SourceTransaction): void {
    this.lastApplied = last;
    this.lastDelayMs = delaySince(last.timestamp, this.now());
  }

  /**
   * At most once a second, after something was applied; sent without holding up the next batch
   * (the destination would idle meanwhile), and never two at once.
   */
  private async reportMetrics(): Promise<void> {
    const now = this.now();
    if (now - this.lastMetrics < 1000 || this.metricsSent) return;
    const last = this.lastApplied;
    if (!last || !this.deps.onMetrics) return;
    const seconds = Math.max(0.001, (now - this.windowStart) / 1000);
    const saved = this.savedPosition;
    const queued = this.queue.peek();
    const metrics: TailerMetrics = {
      position: last.position,
      sourceTimestamp: last.timestamp,
      checkpoint: saved ? { position: saved, sourceTimestamp: this.savedTimestamp } : undefined,
      latencyMs: Math.max(this.lastDelayMs, queued ? delaySince(queued.timestamp, now) : 0),
      rowsPerSecond: Math.round(this.windowRows / seconds),
      appliedRows: this.applied,
    };
    this.lastMetrics = now;
    this.windowStart = now;
    this.windowRows = 0;
    this.metricsSent = this.deps.onMetrics(metrics).then(
      () => {
        this.metricsSent = undefined;
      },
      () => {
        this.metricsSent = undefined;
      },
    );
  }
}

/**
 * How long after its commit a change was (or still is not) applied. Binlog timestamps have
 * second precision, so the delay is counted from the end of the commit's second: it may read up
 * to one second low, never high.
 */
export function delaySince(sourceTimestamp: number, now: number): number {
  return Math.max(0, now - (sourceTimestamp + 999));
}
