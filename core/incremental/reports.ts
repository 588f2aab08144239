import type { Logger } from "../logger.ts";
import { HISTORY_INTERVAL_MS } from "../store/task-history.ts";
import type { HistorySample } from "../store/task-store.ts";
import type { Metrics } from "./metrics.ts";
import { TAILER_REPORT_INTERVAL_MS, type TailerWatch } from "./watch.ts";

/** How often a binlog retention warning that still holds is logged again. */
const WARNING_REPEAT_MS = 30 * 60_000;

/**
 * Reports the tailer's heartbeat metrics every interval while the process runs, connected or
 * reconnecting, and keeps the task's retention warning (log line and incremental outcome) in
 * step with the headroom. Returns the stopper.
 */
export function startReports(input: {
  task: string;
  watch: TailerWatch;
  metrics: Metrics;
  thresholdSeconds: number | undefined;
  logger: Logger;
  clock: () => number;
  /** Saves the outcome with the warning given, while no tailer is connected to save it itself. */
  saveWarning: (warning: string | undefined) => Promise<void>;
  /**
   * The task's metrics history (the console's charts): a sample is appended on the first report
   * with a latency and then once a minute. A failed append is logged; the tailer goes on.
   */
  history?: { append(sample: HistorySample): Promise<void>; appliedRows(): number };
}): () => void {
  const { watch, logger, clock } = input;
  let warned = false;
  let loggedAt = 0;
  let sampledAt: number | undefined;
  const sample = (report: ReturnType<TailerWatch["report"]>) => {
    const history = input.history;
    const at = clock();
    if (!history || report.latencyMs === undefined) return;
    if (sampledAt !== undefined && at - sampledAt < HISTORY_INTERVAL_MS) return;
    sampledAt = at;
    const value: HistorySample = {
      at: new Date(at).toISOString(),
      latencySeconds: report.latencyMs / 1000,
      rowsPerSecond: report.rowsPerSecond,
      appliedRows: history.appliedRows(),
    };
    void Promise.resolve()
      .then(() => history.append(value))
      .catch((error: unknown) =>
        logger.warn("metrics history sample not saved; the tailer goes on", {
          phase: "incremental",
          error: { message: (error as Error).message },
        }),
      );
  };
  const tick = () => {
    const report = watch.report();
    sample(report);
    input.metrics.tailer(input.task, report, input.thresholdSeconds);
    const warning = watch.warning();
    // Logged when it starts and every half hour while it lasts; its words (hours left) change as it goes.
    const due = warning !== undefined && (!warned || clock() - loggedAt >= WARNING_REPEAT_MS);
    if (due) {
      logger.warn(warning, { phase: "incremental", headroomSeconds: report.headroomSeconds });
      loggedAt = clock();
    } else if (warning === undefined && warned)
      logger.info("binlog retention headroom is back above the warning level", {
        phase: "incremental",
        headroomSeconds: report.headroomSeconds,
      });
    const changed = due || (warning === undefined && warned);
    warned = warning !== undefined;
    // A connected tailer saves it with its figures every second; a reconnecting one has none to save.
    if (changed && !report.connected) void input.saveWarning(warning).catch(() => undefined);
  };
  const timer = setInterval(tick, TAILER_REPORT_INTERVAL_MS);
  return () => clearInterval(timer);
}
