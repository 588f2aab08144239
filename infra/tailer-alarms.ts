import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import type { Construct } from "constructs";
import { METRICS, METRICS_NAMESPACE } from "./metric-names.ts";

/** Five minutes: the watchdog's and the tailers' alarms look at this much at a time. */
const WATCH_PERIOD = Duration.minutes(5);

/**
 * The alarms on the tailers, in `scope` (Monitoring). Which one sees what:
 * - a dead, hung or long-reconnecting tailer: TailerSilentAlarm (the watchdog finds no live
 *   lease); a missing report means the watchdog is dead, and breaches;
 * - a tailer that holds its lease but reports nothing: TailerHeartbeatAlarm (tasks in
 *   incremental the whole period, no heartbeat at all); missing data breaches as above;
 * - a Fargate task that stopped when nothing asked it to: TailerStoppedAlarm (relaunch-tailer);
 * - binlogs about to be purged: BinlogRetentionAlarm.
 * The latency alarms keep treating missing data as OK: no latency is no tailer, which a stack
 * without incremental tasks has too; whether a tailer should be there is the watchdog's to say.
 */
export function tailerAlarms(
  scope: Construct,
  thresholds: { silenceSeconds: number; headroomSeconds: number },
): { all: Alarm[]; recovering: Alarm[] } {
  const silence = thresholds.silenceSeconds;
  const headroom = thresholds.headroomSeconds;
  for (const [name, value] of [
    ["tailerSilenceAlarmSeconds", silence],
    ["binlogHeadroomAlarmSeconds", headroom],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`${name} must be a positive number of seconds, not ${value}`);
  }
  const watched = (name: string, statistic: string) =>
    new Metric({ namespace: METRICS_NAMESPACE, metricName: name, statistic, period: WATCH_PERIOD });
  const silent = new Alarm(scope, "TailerSilentAlarm", {
    alarmDescription: `A task in incremental migration has had no live tailer for over ${silence} s (dead, hung, or reconnecting), or the watchdog (watch-tasks) stopped reporting: its log names the task; the tailer's log says why`,
    metric: watched(METRICS.oldestTailerSilence, "Maximum"),
    threshold: silence,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    // The watchdog reports every minute, with or without tasks: no report is a dead watchdog.
    treatMissingData: TreatMissingData.BREACHING,
  });
  const heartbeat = new Alarm(scope, "TailerHeartbeatAlarm", {
    alarmDescription:
      "Tasks were in incremental migration for 5 minutes and no tailer sent a heartbeat: the tailers run but report nothing (their log says why), or the watchdog and the tailers are both down",
    metric: new MathExpression({
      expression: "IF(FILL(tasks, 0) > 0 AND FILL(beats, 0) == 0, 1, 0)",
      usingMetrics: {
        // Minimum: a task that entered incremental during the period has not had it all to start.
        tasks: watched(METRICS.incrementalTasks, "Minimum"),
        beats: watched(METRICS.tailerHeartbeat, "Sum"),
      },
      label: "incremental tasks without any heartbeat",
      period: WATCH_PERIOD,
    }),
    threshold: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.BREACHING,
  });
  const stopped = new Alarm(scope, "TailerStoppedAlarm", {
    alarmDescription:
      "A tailer's Fargate task stopped when nothing asked it to (crash, out of memory, failed start, Spot or retirement): relaunch-tailer relaunched it from its checkpoint or, after the retry window, failed the task. Its log says which and why",
    metric: watched(METRICS.tailerStoppedUnexpectedly, "Sum"),
    threshold: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    // Counted only when it happens: no data is no stop.
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  const retention = new Alarm(scope, "BinlogRetentionAlarm", {
    alarmDescription: `A task's oldest needed binlog may be purged within ${headroom} s: restart its tailer or raise the source's binlog retention (binlog_expire_logs_seconds, or RDS binlog retention hours), else the task must be loaded again`,
    metric: watched(METRICS.binlogRetentionHeadroom, "Minimum"),
    threshold: headroom,
    comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 1,
    // No tailer, no figure: a dead tailer is TailerSilentAlarm's.
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  return { all: [silent, heartbeat, stopped, retention], recovering: [silent, heartbeat, retention] };
}
