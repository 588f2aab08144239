import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { METRICS_NAMESPACE as CORE_NAMESPACE, METRIC_NAMES } from "#core/incremental/metrics.ts";
import { TAILER_STOPPED_METRIC } from "#core/task/relaunch.ts";
import { WATCH_METRICS } from "#core/task/watch.ts";
import { METRICS, METRICS_NAMESPACE } from "#infra/monitoring.ts";
import { functionId, SYNTH_TIMEOUT, synthStack, text } from "./template.ts";

let template: Template;

beforeAll(() => {
  template = synthStack().template;
}, SYNTH_TIMEOUT);

type Resource = { Properties: Record<string, unknown> };
const alarms = () => Object.values(template.findResources("AWS::CloudWatch::Alarm")) as Resource[];
const alarmNamed = (pattern: RegExp) => {
  const found = Object.entries(template.findResources("AWS::CloudWatch::Alarm")).find(([id]) =>
    pattern.test(id),
  );
  if (!found) throw new Error(`no alarm ${pattern}`);
  return found[1] as Resource;
};

describe("alerts", () => {
  it("publishes to an SNS topic encrypted with a rotating customer key that CloudWatch and EventBridge may use, over TLS only", () => {
    template.hasResourceProperties("AWS::SNS::Topic", {
      KmsMasterKeyId: { "Fn::GetAtt": [Match.stringLikeRegexp("AlertsKey"), "Arn"] },
    });
    template.hasResourceProperties("AWS::KMS::Key", {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          }),
          Match.objectLike({
            Principal: { Service: "events.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          }),
        ]),
      },
    });
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Action: "sns:Publish",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
    template.hasOutput("AlertsTopicArn", Match.anyValue());
  });

  it("alarms on failed or timed-out executions of the task state machine", () => {
    const alarm = alarmNamed(/TaskFailedAlarm/);
    expect(alarm.Properties).toMatchObject({
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
    });
    const metrics = alarm.Properties.Metrics as {
      MetricStat?: { Metric: Record<string, unknown> };
      Expression?: string;
    }[];
    const names = metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : []));
    expect(names.sort()).toEqual(["ExecutionsFailed", "ExecutionsTimedOut"]);
    for (const m of metrics.filter((x) => x.MetricStat)) {
      expect(m.MetricStat?.Metric).toMatchObject({
        Namespace: "AWS/States",
        Dimensions: [
          { Name: "StateMachineArn", Value: { Ref: expect.stringMatching(/^WorkflowStateMachine/) } },
        ],
      });
    }
    expect(metrics.some((m) => m.Expression === "FILL(failed, 0) + FILL(timedOut, 0)")).toBe(true);
  });

  it("alarms when replication latency (DTS ReplicationLatencySeconds) stays above the threshold, stack-wide and per task", () => {
    expect(alarmNamed(/MonitoringLatencyAlarm/).Properties).toMatchObject({
      Namespace: "DTS",
      MetricName: "ReplicationLatencySeconds",
      Statistic: "Maximum",
      Threshold: 300,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 3,
      TreatMissingData: "notBreaching",
    });
    expect(alarmNamed(/TaskLatencyThresholdAlarm/).Properties).toMatchObject({
      Namespace: "DTS",
      MetricName: "LatencyThresholdBreached",
      Threshold: 1,
      EvaluationPeriods: 3,
    });
    const custom = synthStack({ latencyThresholdSeconds: 45 }).template;
    custom.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ReplicationLatencySeconds",
      Threshold: 45,
    });
  });

  it("counts tailer error lines into DTS TailerErrors and alarms on them", () => {
    template.hasResourceProperties("AWS::Logs::MetricFilter", {
      LogGroupName: { Ref: Match.stringLikeRegexp("^TailerLogs") },
      FilterPattern: "{ $.level >= 50 }",
      MetricTransformations: [
        { MetricNamespace: "DTS", MetricName: "TailerErrors", MetricValue: "1", DefaultValue: 0 },
      ],
    });
    expect(alarmNamed(/TailerErrorAlarm/).Properties).toMatchObject({
      Namespace: "DTS",
      MetricName: "TailerErrors",
      Threshold: 1,
    });
  });

  it("sends every alarm to the topic, and latency recoveries too", () => {
    expect(alarms()).toHaveLength(8);
    for (const alarm of alarms()) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^MonitoringAlerts/) }]);
    }
    expect(alarmNamed(/MonitoringLatencyAlarm/).Properties.OKActions).toEqual([
      { Ref: expect.stringMatching(/^MonitoringAlerts/) },
    ]);
  });

  it("alarms when a task in incremental migration has had no live tailer for 10 minutes, or the watchdog stopped reporting", () => {
    expect(alarmNamed(/TailerSilentAlarm/).Properties).toMatchObject({
      Namespace: "DTS",
      MetricName: "OldestTailerSilenceSeconds",
      Statistic: "Maximum",
      Period: 300,
      Threshold: 600,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
      // The watchdog reports every minute, tasks or not: silence is a dead watchdog.
      TreatMissingData: "breaching",
      OKActions: [{ Ref: expect.stringMatching(/^MonitoringAlerts/) }],
    });
    expect(alarmNamed(/TailerSilentAlarm/).Properties).not.toHaveProperty("Dimensions");
    synthStack({ tailerSilenceAlarmSeconds: 180 }).template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "OldestTailerSilenceSeconds",
      Threshold: 180,
    });
    expect(() => synthStack({ tailerSilenceAlarmSeconds: 0 })).toThrow(
      /tailerSilenceAlarmSeconds must be a positive/,
    );
  });

  it("alarms when tasks were in incremental migration a whole period and no tailer sent a heartbeat, missing data breaching", () => {
    const alarm = alarmNamed(/TailerHeartbeatAlarm/).Properties;
    expect(alarm).toMatchObject({ Threshold: 1, EvaluationPeriods: 1, TreatMissingData: "breaching" });
    const metrics = alarm.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: Record<string, unknown>;
    }[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe(
      "IF(FILL(tasks, 0) > 0 AND FILL(beats, 0) == 0, 1, 0)",
    );
    const stat = (id: string) => metrics.find((m) => m.Id === id)?.MetricStat;
    expect(stat("tasks")).toEqual({
      Metric: { Namespace: "DTS", MetricName: "IncrementalTasks" },
      Period: 300,
      Stat: "Minimum",
    });
    expect(stat("beats")).toEqual({
      Metric: { Namespace: "DTS", MetricName: "TailerHeartbeat" },
      Period: 300,
      Stat: "Sum",
    });
  });

  it("alarms on a tailer that stopped unexpectedly (relaunch-tailer's count), and on binlogs about to be purged", () => {
    expect(alarmNamed(/TailerStoppedAlarm/).Properties).toMatchObject({
      Namespace: "DTS",
      MetricName: "TailerStoppedUnexpectedly",
      Statistic: "Sum",
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
    });
    expect(alarmNamed(/BinlogRetentionAlarm/).Properties).toMatchObject({
      Namespace: "DTS",
      MetricName: "BinlogRetentionHeadroomSeconds",
      Statistic: "Minimum",
      Threshold: 21_600,
      ComparisonOperator: "LessThanThreshold",
      TreatMissingData: "notBreaching",
    });
    synthStack({ binlogHeadroomAlarmSeconds: 7200 }).template.hasResourceProperties(
      "AWS::CloudWatch::Alarm",
      {
        MetricName: "BinlogRetentionHeadroomSeconds",
        Threshold: 7200,
      },
    );
  });

  it("runs the watchdog every minute (EventBridge schedule, no retries: the next minute comes)", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 minute)",
      State: "ENABLED",
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [functionId(template, "watch-tasks"), "Arn"] },
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        }),
      ],
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Tags: Match.arrayWith([{ Key: "dts:function", Value: "watch-tasks" }]),
      Timeout: 50,
    });
  });

  it("alarms on the metric names core emits", () => {
    for (const [key, name] of Object.entries(METRIC_NAMES))
      expect(METRICS[key as keyof typeof METRICS], key).toBe(name);
    expect(METRICS.incrementalTasks).toBe(WATCH_METRICS.incrementalTasks);
    expect(METRICS.stalledTailers).toBe(WATCH_METRICS.stalledTailers);
    expect(METRICS.oldestTailerSilence).toBe(WATCH_METRICS.oldestTailerSilence);
    expect(METRICS.tailerSilence).toBe(WATCH_METRICS.tailerSilence);
    expect(METRICS.tailerStoppedUnexpectedly).toBe(TAILER_STOPPED_METRIC);
    expect(METRICS_NAMESPACE).toBe(CORE_NAMESPACE);
  });

  it("names each failed or timed-out execution on the topic (EventBridge)", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        detail: {
          status: ["FAILED", "TIMED_OUT"],
          stateMachineArn: [{ Ref: Match.stringLikeRegexp("^WorkflowStateMachine") }],
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { Ref: Match.stringLikeRegexp("^MonitoringAlerts") },
          InputTransformer: Match.objectLike({
            InputPathsMap: Match.objectLike({ "detail-name": "$.detail.name" }),
          }),
        }),
      ],
    });
  });

  it("subscribes an address when alarmEmail is given", () => {
    synthStack({ alarmEmail: "ops@example.com" }).template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "ops@example.com",
    });
    template.resourceCountIs("AWS::SNS::Subscription", 0);
  });
});

describe("the dashboard", () => {
  it("graphs full-load progress and rows/s, incremental latency and rows/s per task, executions and alarms", () => {
    const [dashboard] = Object.values(template.findResources("AWS::CloudWatch::Dashboard"));
    const body = text(dashboard?.Properties.DashboardBody);
    for (const title of [
      "Full load: progress (%)",
      "Full load: rows/s",
      "Incremental: latency (s)",
      "Incremental: rows/s",
      "Executions",
      "Alarms",
    ]) {
      expect(body).toContain(title);
    }
    for (const metric of [
      "FullLoadProgressPercent",
      "FullLoadRowsCopied",
      "ReplicationLatencySeconds",
      "AppliedRowsPerSecond",
      "ExecutionsFailed",
      "TailerSilenceSeconds",
      "BinlogRetentionHeadroomSeconds",
      "TailerStoppedUnexpectedly",
      "IncrementalTasks",
    ]) {
      expect(body).toContain(metric);
    }
    expect(body).toContain("SEARCH('{DTS,Task}");
    template.hasOutput("DashboardName", Match.anyValue());
  });
});
