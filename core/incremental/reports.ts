import type { Logger } from "../logger.ts";
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
}): () => void {
  const { watch, logger, clock } = input;
  let warned = false;
  let loggedAt = 0;
  const tick = () => {
    const report = watch.report();
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
