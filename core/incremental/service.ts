import { createHash } from "node:crypto";
import { hostname } from "node:os";
import type { TailerConfig } from "../config.ts";
import { DtsError, FatalError, FencedError, RetriableError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { BinlogPosition } from "../model/position.ts";
import type { ChangeSink } from "../pipeline/sink.ts";
import { openChangeSink } from "../sinks/open.ts";
import { openSource } from "../source/connection.ts";
import { defaultCheckpointStore, defaultTaskStore } from "../store/index.ts";
import { ZongjiBinlogReader } from "./binlog-reader.ts";
import { startHeartbeat } from "./heartbeat.ts";
import { emfMetrics } from "./metrics.ts";
import { Tailer } from "./tailer.ts";

export interface TailerRun {
  /** Resolves with the exit reason once the tailer has stopped. */
  done: Promise<"stopped" | "fenced">;
  /** Graceful stop (SIGTERM, `dts stop`): flushes the checkpoint first. */
  stop(): void;
}

/** A replica server id unique to this process, so two readers never collide on the source. */
function serverId(task: string): number {
  const digest = createHash("sha256").update(`${task}:${hostname()}:${process.pid}`).digest();
  return 100_000 + (digest.readUInt32BE(0) % 2_000_000_000);
}

function isRetriable(error: unknown): boolean {
  if (error instanceof RetriableError) return true;
  if (error instanceof DtsError) return false;
  const code = (error as { code?: string }).code ?? "";
  return (
    [
      "ECONNREFUSED",
      "ECONNRESET",
      "ETIMEDOUT",
      "EPIPE",
      "PROTOCOL_CONNECTION_LOST",
      "ER_CONNECTION_KILLED",
      "ER_SERVER_SHUTDOWN",
      "ER_LOCK_DEADLOCK",
      "ER_LOCK_WAIT_TIMEOUT",
    ].includes(code) ||
    // mysql2 marks errors that end the connection as fatal, or refuses commands on a closed one.
    (error as { fatal?: boolean }).fatal === true ||
    /connection lost|server closed the connection|Connection was killed|closed state/i.test(
      (error as Error).message ?? "",
    )
  );
}

export interface TailerRunOptions {
  config: TailerConfig;
  /** The task's logger (its lines carry the task). */
  log: Logger;
  /** Who holds the lease: this host and process unless a test names it. */
  owner?: string;
}

/**
 * Runs the incremental phase of a task: from its checkpoint, or from the position captured before
 * its full load. Lost connections are retried with backoff for the task's retry window; then, or
 * on a fatal error, the reason is stored on the task.
 */
export function runTaskTailer(task: string, options: TailerRunOptions): TailerRun {
  const { config, log: logger } = options;
  const owner = options.owner ?? `${hostname()}:${process.pid}`;
  const log = (message: string, fields?: Record<string, unknown>) =>
    logger.info(message, { phase: "incremental", ...fields });
  let current: Tailer | undefined;
  let stopping = false;
  const done = (async (): Promise<"stopped" | "fenced"> => {
    const store = defaultTaskStore();
    const checkpoints = defaultCheckpointStore();
    const record = await store.get(task);
    if (!record) throw new FatalError(`no task named ${task}: start it with dts run first`);
    const spec = record.spec;
    const metrics = emfMetrics(config.metrics);
    const retryUntil = Date.now() + spec.retryWindowMinutes * 60_000;
    let backoff = 1000;
    for (;;) {
      const checkpoint = (await checkpoints.read(task))?.checkpoint;
      const start: BinlogPosition | undefined = checkpoint?.position ?? record.position;
      if (!start)
        throw new FatalError(
          `task ${task} has no binlog position: run its full load (or capture a position) first`,
        );
      let source: Awaited<ReturnType<typeof openSource>> | undefined;
      let heartbeatSource: Awaited<ReturnType<typeof openSource>> | undefined;
      let sink: ChangeSink | undefined;
      let stopHeartbeat = () => {};
      try {
        source = await openSource(spec.source);
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
          onMetrics: (applied) => {
            metrics.tailer(task, applied, spec.alerts.latencyThresholdSeconds);
            return store.saveOutcome(task, "incremental", {
              ...applied,
              updatedAt: new Date().toISOString(),
            });
          },
        });
        if (stopping) current.stop();
        if (record.phase !== "incremental") await store.setPhase(task, "incremental");
        await current.run();
        await store.setPhase(task, "stopped");
        return "stopped";
      } catch (error) {
        if (error instanceof FencedError) {
          logger.warn("fenced: another tailer holds this task; no more writes", {
            phase: "incremental",
            reason: error.message,
          });
          return "fenced";
        }
        // A stop asked for (SIGTERM or dts stop) is never undone by a retry.
        const stopAsked =
          stopping || (await checkpoints.read(task).catch(() => undefined))?.stopRequested === true;
        if (stopAsked && isRetriable(error)) {
          log("stopped while reconnecting", { error });
          await store.setPhase(task, "stopped").catch(() => undefined);
          return "stopped";
        }
        if (isRetriable(error) && Date.now() < retryUntil) {
          logger.warn("connection lost, retrying", { phase: "incremental", error, backoffMs: backoff });
          await new Promise((resolve) => setTimeout(resolve, backoff));
          backoff = Math.min(backoff * 2, 60_000);
          continue;
        }
        const reason = isRetriable(error)
          ? new FatalError(
              `gave up after the retry window of ${spec.retryWindowMinutes} minutes: ${(error as Error).message}`,
              { cause: error },
            )
          : (error as Error);
        await store
          .recordFailure(task, { error: reason.name, cause: reason.message, state: "Tailer" })
          .catch(() => undefined);
        throw reason;
      } finally {
        stopHeartbeat();
        await sink?.close().catch(() => undefined);
        await Promise.all([source, heartbeatSource].map((c) => c?.end().catch(() => undefined)));
      }
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
