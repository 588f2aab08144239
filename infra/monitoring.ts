import { Duration, RemovalPolicy } from "aws-cdk-lib";
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { EventField, Rule, RuleTargetInput } from "aws-cdk-lib/aws-events";
import { SnsTopic } from "aws-cdk-lib/aws-events-targets";
import { ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { FilterPattern, type ILogGroup, MetricFilter } from "aws-cdk-lib/aws-logs";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { StateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { METRICS, METRICS_NAMESPACE } from "./metric-names.ts";
import { tailerAlarms } from "./tailer-alarms.ts";

export { METRICS, METRICS_NAMESPACE } from "./metric-names.ts";

export interface MonitoringProps {
  stateMachine: StateMachine;
  tailerLogGroup: ILogGroup;
  /** The copy workers' function, graphed on the dashboard (duration, errors). */
  copyFunction: IFunction;
  /**
   * Latency (seconds) above which the stack-wide latency alarm fires, whatever the task (default
   * 300). A task's own alerts.latencyThresholdSeconds raises its own alarm too.
   */
  latencyThresholdSeconds?: number;
  /** An address subscribed to the alerts topic (it must confirm the subscription). */
  alarmEmail?: string;
  /**
   * Seconds a task in incremental migration may be without a live tailer (dead, reconnecting,
   * relaunching) before the alarm (default 600: a relaunch or a database failover takes 1-3 minutes).
   */
  tailerSilenceAlarmSeconds?: number;
  /**
   * The binlog retention alarm fires when a task's oldest needed binlog may be purged within this
   * many seconds (default 21600, 6 hours: time to fix a stalled tailer or raise the retention).
   */
  binlogHeadroomAlarmSeconds?: number;
}

const metric = (name: string, statistic: string, label?: string) =>
  new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    statistic,
    period: Duration.minutes(1),
    ...(label ? { label } : {}),
  });

/** One line per task: SEARCH over the Task dimension of a DTS metric. */
const perTask = (name: string, statistic: string, label: string) =>
  new MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},Task} MetricName="${name}"', '${statistic}', 60)`,
    label,
    period: Duration.minutes(1),
  });

/**
 * Alerts and the dashboard: an SNS topic (KMS-encrypted, TLS only); alarms for failed or timed-out
 * executions, tailer errors and replication latency (stack-wide threshold and each task's own),
 * silent tailers, tailers without heartbeats, tailers that stopped, and binlog retention;
 * an EventBridge rule naming each failed execution; a dashboard with progress, rows/s and latency.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[];
  readonly dashboard: Dashboard;
  private readonly headroomSeconds: number;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    // CloudWatch alarms and EventBridge cannot publish to a topic under the AWS-managed SNS key.
    const key = new Key(this, "AlertsKey", {
      description: "dts alerts topic",
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    for (const service of ["cloudwatch.amazonaws.com", "events.amazonaws.com"]) {
      key.grant(new ServicePrincipal(service), "kms:Decrypt", "kms:GenerateDataKey*");
    }
    this.topic = new Topic(this, "Alerts", { displayName: "dts alerts", masterKey: key, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const notify = new SnsAction(this.topic);

    const failed = new MathExpression({
      expression: "FILL(failed, 0) + FILL(timedOut, 0)",
      usingMetrics: {
        failed: props.stateMachine.metricFailed({ period: Duration.minutes(1), statistic: "Sum" }),
        timedOut: props.stateMachine.metricTimedOut({ period: Duration.minutes(1), statistic: "Sum" }),
      },
      label: "failed or timed-out executions",
      period: Duration.minutes(1),
    });
    const taskFailed = new Alarm(this, "TaskFailedAlarm", {
      alarmDescription:
        "A task's execution failed or timed out: GET /tasks/{name} (or dts status) shows the phase and the reason",
      metric: failed,
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    new MetricFilter(this, "TailerErrorFilter", {
      logGroup: props.tailerLogGroup,
      // pino level 50 = error: the tailer stopped on a fatal error, or gave up after the retry window.
      filterPattern: FilterPattern.numberValue("$.level", ">=", 50),
      metricNamespace: METRICS_NAMESPACE,
      metricName: METRICS.tailerErrors,
      metricValue: "1",
      defaultValue: 0,
    });
    const tailerFailed = new Alarm(this, "TailerErrorAlarm", {
      alarmDescription:
        "A tailer logged an error (incremental migration stopped): its log and the task's lastError say why",
      metric: metric(METRICS.tailerErrors, "Sum"),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const thresholdSeconds = props.latencyThresholdSeconds ?? 300;
    const latency = new Alarm(this, "LatencyAlarm", {
      alarmDescription: `Replication latency of a task above ${thresholdSeconds} s for 3 minutes`,
      metric: metric(METRICS.latency, "Maximum"),
      threshold: thresholdSeconds,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      // No tailer running, no data: not an alarm.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const taskLatency = new Alarm(this, "TaskLatencyThresholdAlarm", {
      alarmDescription:
        "A task's replication latency above its own alerts.latencyThresholdSeconds for 3 minutes",
      metric: metric(METRICS.latencyThresholdBreached, "Maximum"),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.headroomSeconds = props.binlogHeadroomAlarmSeconds ?? 21_600;
    const tailers = tailerAlarms(this, {
      silenceSeconds: props.tailerSilenceAlarmSeconds ?? 600,
      headroomSeconds: this.headroomSeconds,
    });
    this.alarms = [taskFailed, tailerFailed, latency, taskLatency, ...tailers.all];
    for (const alarm of this.alarms) alarm.addAlarmAction(notify);
    for (const alarm of [latency, taskLatency, ...tailers.recovering]) alarm.addOkAction(notify);

    // The alarm says that a task failed; this names it.
    new Rule(this, "ExecutionFailedRule", {
      description: "dts: tell the alerts topic which task execution failed or timed out",
      eventPattern: {
        source: ["aws.states"],
        detailType: ["Step Functions Execution Status Change"],
        detail: {
          status: ["FAILED", "TIMED_OUT"],
          stateMachineArn: [props.stateMachine.stateMachineArn],
        },
      },
      targets: [
        new SnsTopic(this.topic, {
          message: RuleTargetInput.fromText(
            `dts: execution ${EventField.fromPath("$.detail.name")} ${EventField.fromPath("$.detail.status")} (execution names start with the task name; GET /tasks/TASK shows the reason): ${EventField.fromPath("$.detail.executionArn")}`,
          ),
        }),
      ],
    });

    this.dashboard = new Dashboard(this, "Dashboard", { defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          "# dts\nFull-load progress and rows/s come from the copy workers, latency and rows/s of incremental migration from the tailers (namespace `DTS`, one line per task).",
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: "Full load: progress (%)",
        left: [perTask(METRICS.fullLoadProgress, "Maximum", "")],
        leftYAxis: { min: 0, max: 100 },
        width: 8,
      }),
      new GraphWidget({
        title: "Full load: rows/s",
        left: [
          new MathExpression({
            expression: `SEARCH('{${METRICS_NAMESPACE},Task} MetricName="${METRICS.fullLoadRowsCopied}"', 'Sum', 60) / 60`,
            label: "",
            period: Duration.minutes(1),
          }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: "Copy workers (Lambda)",
        left: [props.copyFunction.metricDuration({ statistic: "Maximum" })],
        right: [props.copyFunction.metricErrors(), props.copyFunction.metricThrottles()],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: "Incremental: latency (s)",
        left: [perTask(METRICS.latency, "Maximum", "")],
        leftAnnotations: [{ value: thresholdSeconds, label: "latency alarm" }],
        width: 8,
      }),
      new GraphWidget({
        title: "Incremental: rows/s",
        left: [perTask(METRICS.appliedRowsPerSecond, "Average", "")],
        width: 8,
      }),
      new GraphWidget({
        title: "Executions",
        left: [
          props.stateMachine.metricStarted(),
          props.stateMachine.metricSucceeded(),
          props.stateMachine.metricFailed(),
          props.stateMachine.metricAborted(),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: "Incremental: tasks and tailers without a lease",
        left: [
          metric(METRICS.incrementalTasks, "Maximum", "tasks in incremental"),
          metric(METRICS.stalledTailers, "Maximum", "without a live tailer"),
        ],
        right: [perTask(METRICS.tailerSilence, "Maximum", "")],
        rightYAxis: { label: "silence (s)", showUnits: false },
        width: 8,
      }),
      new GraphWidget({
        title: "Incremental: binlog retention headroom (s)",
        left: [perTask(METRICS.binlogRetentionHeadroom, "Minimum", "")],
        leftAnnotations: [{ value: this.headroomSeconds, label: "retention alarm" }],
        width: 8,
      }),
      new GraphWidget({
        title: "Incremental: tailer stops and heartbeats",
        left: [perTask(METRICS.tailerStoppedUnexpectedly, "Sum", "")],
        right: [metric(METRICS.tailerHeartbeat, "Sum", "heartbeats")],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: "Alarms", alarms: this.alarms, width: 24, height: 4 }),
    );
  }
}
