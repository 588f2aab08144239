import { createHash } from "node:crypto";
import { hostname } from "node:os";
import type { TailerConfig } from "../config.ts";
import { FatalError, FencedError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { BinlogPosition } from "../model/position.ts";
import type { ChangeSink } from "../pipeline/sink.ts";
import { isRetriable } from "../retry.ts";
import { openChangeSink } from "../sinks/open.ts";
import { openSource } from "../source/connection.ts";
import { defaultCheckpointStore, defaultTaskStore } from "../store/index.ts";
import type { IncrementalOutcome } from "../store/task-store.ts";
import { ZongjiBinlogReader } from "./binlog-reader.ts";
import { readBinlogRetention } from "./binlog-retention.ts";
import { startHeartbeat } from "./heartbeat.ts";
import { emfMetrics, type Metrics } from "./metrics.ts";
import { startReports } from "./reports.ts";
import { RetryStreak } from "./retry-streak.ts";
import { Tailer } from "./tailer.ts";
import { TailerWatch } from "./watch.ts";

/**
 * How a tailer ended: paused (a pause was asked for: the task is paused), interrupted (stopped by
 * a signal without a pause: the task stays in incremental migration, for a supervisor to relaunch),
 * fenced (another tailer holds the task).
 */
export type TailerExit = "paused" | "interrupted" | "fenced";

export interface TailerRun {
  /** Resolves with the exit reason once the tailer has stopped. */
  done: Promise<TailerExit>;
  /** Graceful stop (SIGTERM): flushes the checkpoint first. */
  stop(): void;
}

/** A replica server id unique to this process, so two readers never collide on the source. */
function serverId(task: string): number {
  const digest = createHash("sha256").update(`${task}:${hostname()}:${process.pid}`).digest();
  return 100_000 + (digest.readUInt32BE(0) % 2_000_000_000);
}

export interface TailerRunOptions {
  config: TailerConfig;
  /** The task's logger (its lines carry the task). */
  log: Logger;
  /** Who holds the lease: this host and process unless a test names it. */
  owner?: string;
  /** Epoch milliseconds now (retry window, lease expiry); Date.now unless a test moves time. */
  clock?: () => number;
  /** Where the reports go (tests); EMF lines on stdout per the config otherwise. */
  metrics?: Metrics;
}

/**
 * Runs the incremental phase of a task: from its checkpoint, or from the position captured before
 * its full load. Lost connections are retried with backoff within the task's retry window, counted
 * from the start of the current failure streak (core/incremental/retry-streak.ts); then, or on a
 * fatal error, the task is failed with the reason, and `dts resume` goes on from the checkpoint.
 */
export function runTaskTailer(task: string, options: TailerRunOptions): TailerRun {
  const { config, log: logger } = options;
  const owner = options.owner ?? `${hostname()}:${process.pid}`;
  const log = (message: string, fields?: Record<string, unknown>) =>
    logger.info(message, { phase: "incremental", ...fields });
  let current: Tailer | undefined;
  let stopping = false;
  const now = options.clock ?? Date.now;
  const done = (async (): Promise<TailerExit> => {
    const store = defaultTaskStore();
    const checkpoints = defaultCheckpointStore();
    const record = await store.get(task);
    if (!record) throw new FatalError(`no task named ${task}: start it with dts run first`);
    const spec = record.spec;
    const streak = new RetryStreak(spec.retryWindowMinutes * 60_000, now);
    const watch = new TailerWatch(now);
    // The last figures saved: a warning raised while reconnecting is saved with them.
    let outcome: IncrementalOutcome | undefined = record.incremental;
    const saveOutcome = (value: IncrementalOutcome) => {
      outcome = value;
      return store.saveOutcome(task, "incremental", value);
    };
    const stopReports = startReports({
      task,
      watch,
      metrics: options.metrics ?? emfMetrics(config.metrics),
      thresholdSeconds: spec.alerts.latencyThresholdSeconds,
      logger,
      clock: now,
      saveWarning: async (warning) => {
        if (outcome) await saveOutcome({ ...outcome, warning, updatedAt: new Date(now()).toISOString() });
      },
      history: {
        append: (sample) => store.appendHistory(task, sample),
        appliedRows: () => outcome?.appliedRows ?? 0,
      },
    });
    // A stop asked for (dts pause) pauses the task; a signal alone leaves it in incremental migration.
    const ended = async (): Promise<TailerExit> => {
      const asked = (await checkpoints.read(task).catch(() => undefined))?.stopRequested === true;
      if (!asked) return "interrupted";
      await store.setPhase(task, "paused").catch(() => undefined);
      return "paused";
    };
    try {
      for (;;) {
        let connectedAt: number | undefined;
        let source: Awaited<ReturnType<typeof openSource>> | undefined;
        let heartbeatSource: Awaited<ReturnType<typeof openSource>> | undefined;
        let sink: ChangeSink | undefined;
        let stopHeartbeat = () => {};
        try {
          // Read on every attempt, inside it: DynamoDB away is retried like any other server.
          const checkpoint = (await checkpoints.read(task))?.checkpoint;
          const start: BinlogPosition | undefined = checkpoint?.position ?? record.position;
          if (!start)
            throw new FatalError(
              `task ${task} has no binlog position: run its full load (or capture a position) first`,
            );
          watch.resumesFrom(
            checkpoint ?? {
              position: start,
              sourceTimestamp: Date.parse(record.position?.capturedAt ?? "") || now(),
            },
          );
          source = await openSource(spec.source);
          watch.connected(await readBinlogRetention(source));
          sink = await openChangeSink(spec, record, source, log);
          if (spec.heartbeat) {
            heartbeatSource = await openSource(spec.source);
            stopHeartbeat = startHeartbeat(heartbeatSource, logger);
          }
          const reader = new ZongjiBinlogReader(
            spec.source,
            [...new Set(spec.objects.map((o) => o.database))],
            serverId(task),
          );
          current = new Tailer({
            spec,
            owner,
            reader,
            source,
            sink,
            checkpoints,
            start,
            log,
            leaseTtlMs: config.leaseTtlMs,
            clock: now,
            onProgress: () => streak.progressed(),
            onMetrics: (applied) => {
              watch.applied({
                latencyMs: applied.latencyMs,
                rowsPerSecond: applied.rowsPerSecond,
                lastEvent: { position: applied.position, sourceTimestamp: applied.sourceTimestamp },
                checkpoint: applied.checkpoint,
              });
              const warning = watch.warning();
              return saveOutcome({
                position: applied.position,
                latencyMs: applied.latencyMs,
                rowsPerSecond: applied.rowsPerSecond,
                appliedRows: applied.appliedRows,
                updatedAt: new Date(now()).toISOString(),
                ...(warning ? { warning } : {}),
              });
            },
          });
          if (stopping) current.stop();
          if (record.phase !== "incremental") await store.setPhase(task, "incremental");
          connectedAt = now();
          await current.run();
          return await ended();
        } catch (error) {
          if (error instanceof FencedError) {
            logger.warn("fenced: another tailer holds this task; no more writes", {
              phase: "incremental",
              reason: error.message,
            });
            return "fenced";
          }
          // A stop asked for (SIGTERM or dts pause) is never undone by a retry.
          const stopAsked =
            stopping || (await checkpoints.read(task).catch(() => undefined))?.stopRequested === true;
          if (stopAsked && isRetriable(error)) {
            log("stopped while reconnecting", { error });
            return await ended();
          }
          const delay = isRetriable(error) ? streak.failed(connectedAt) : undefined;
          if (delay !== undefined) {
            logger.warn("connection lost, retrying", {
              phase: "incremental",
              error,
              backoffMs: delay,
              failingSince: new Date(streak.since ?? now()).toISOString(),
            });
            await new Promise((resolve) => setTimeout(resolve, delay));
            continue;
          }
          const reason = isRetriable(error)
            ? new FatalError(
                `gave up: the connection failed for longer than the retry window of ${spec.retryWindowMinutes} minutes (${(error as Error).message}). \`dts resume ${task}\` goes on from the checkpoint`,
                { cause: error },
              )
            : (error as Error);
          await store
            .recordFailure(task, { error: reason.name, cause: reason.message, state: "Tailer" })
            .catch(() => undefined);
          throw reason;
        } finally {
          watch.disconnected();
          stopHeartbeat();
          await sink?.close().catch(() => undefined);
          await Promise.all([source, heartbeatSource].map((c) => c?.end().catch(() => undefined)));
        }
      }
    } finally {
      stopReports();
    }
  })();
  return {
    done,
    stop() {
      stopping = true;
      current?.stop();
    },
  };
}
