import { CfnOutput, Duration, RemovalPolicies, Stack, type StackProps } from "aws-cdk-lib";
import { CpuArchitecture } from "aws-cdk-lib/aws-ecs";
import type { Construct } from "constructs";
import { FUNCTION_TABLES, type FunctionName, grantTables } from "./access.ts";
import { Api } from "./api.ts";
import { Monitoring, type MonitoringProps } from "./monitoring.ts";
import { Network, type NetworkProps } from "./network.ts";
import { STACK_OUTPUTS } from "./outputs.ts";
import { SecretsAccess } from "./secrets.ts";
import { TailerSupervision } from "./supervision.ts";
import { Tables } from "./tables.ts";
import { TailerService } from "./tailer-service.ts";
import { TailerWatch } from "./tailer-watch.ts";
import { taskFunction } from "./task-function.ts";
import { Workflow } from "./workflow.ts";

export interface DtsStackProps
  extends StackProps,
    Pick<
      NetworkProps,
      | "subnetIds"
      | "subnetGroupName"
      | "subnetGroupNameTag"
      | "subnetType"
      | "interfaceEndpoints"
      | "gatewayEndpoints"
      | "egressPorts"
      | "egressCidrs"
    >,
    Pick<MonitoringProps, "tailerSilenceAlarmSeconds" | "binlogHeadroomAlarmSeconds"> {
  /** Run in this existing VPC (your databases' VPC) instead of a new one; see NetworkProps.vpcId. */
  vpcId?: string;
  /** NAT gateways of a new VPC (default 1; 2 recommended in production: egress survives a zone). */
  natGateways?: number;
  /** The tailer's Fargate CPU units (default 1024 = 1 vCPU); see TailerServiceProps.cpu. */
  tailerCpu?: number;
  /** The tailer's Fargate memory in MiB (default 2048); see TailerServiceProps.memoryMiB. */
  tailerMemoryMiB?: number;
  /**
   * The share of copy workers (percent) whose failure the full load's Distributed Map tolerates;
   * the loop picks their chunks up again (see infra/workflow.ts).
   */
  toleratedWorkerFailurePercentage?: number;
  /** Secrets the functions and the tailer may read start with this name (default "dts/"). */
  secretNamePrefix?: string;
  /** Stack-wide replication latency alarm threshold in seconds (default 300). */
  latencyThresholdSeconds?: number;
  /** Subscribe this address to the alerts topic. */
  alarmEmail?: string;
  /** CPU architecture of the tailer's container (default X86_64; ARM64 is cheaper, see TailerServiceProps). */
  tailerArchitecture?: "X86_64" | "ARM64";
  /** Keep the DynamoDB tables when the stack is deleted (default true). */
  retainTables?: boolean;
}

/**
 * The deployable service: the network, tables, phase Lambdas and the task state machine, the
 * tailer's Fargate service, the API, and alarms with a dashboard.
 */
export class DtsStack extends Stack {
  readonly network: Network;
  readonly tables: Tables;
  readonly workflow: Workflow;
  readonly tailer: TailerService;
  readonly supervision: TailerSupervision;
  readonly watch: TailerWatch;
  readonly api: Api;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: DtsStackProps = {}) {
    super(scope, id, props);
    this.network = new Network(this, "Network", {
      vpcId: props.vpcId,
      natGateways: props.natGateways,
      subnetIds: props.subnetIds,
      subnetGroupName: props.subnetGroupName,
      subnetGroupNameTag: props.subnetGroupNameTag,
      subnetType: props.subnetType,
      interfaceEndpoints: props.interfaceEndpoints,
      gatewayEndpoints: props.gatewayEndpoints,
      egressPorts: props.egressPorts,
      egressCidrs: props.egressCidrs,
    });
    // Every log group (functions, tailer, state machine, API, flow logs) outlives the stack: the
    // evidence of what went wrong is what one reads after deleting a failed deployment.
    RemovalPolicies.of(this).retain({ applyToResourceTypes: ["AWS::Logs::LogGroup"] });
    this.tables = new Tables(this, "Tables", { retain: props.retainTables ?? true });
    const secrets = new SecretsAccess(this, "Secrets", {
      ...(props.secretNamePrefix ? { namePrefix: props.secretNamePrefix } : {}),
    });
    this.tailer = new TailerService(this, "Tailer", {
      vpc: this.network.vpc,
      subnets: this.network.subnets,
      securityGroup: this.network.securityGroup,
      tables: this.tables,
      secrets,
      architecture: props.tailerArchitecture === "ARM64" ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64,
      cpu: props.tailerCpu,
      memoryMiB: props.tailerMemoryMiB,
    });
    const environment = {
      DTS_TASKS_TABLE: this.tables.tasks.tableName,
      DTS_CHUNKS_TABLE: this.tables.chunks.tableName,
      DTS_CHECKPOINTS_TABLE: this.tables.checkpoints.tableName,
    };
    const network = {
      vpc: this.network.vpc,
      subnets: this.network.subnets,
      securityGroup: this.network.securityGroup,
    };

    /** A phase Lambda: its tables (infra/access.ts), and the secrets when it connects to the databases. */
    const fn = (
      name: FunctionName,
      memoryMb: number,
      timeout: Duration,
      options: { databases?: boolean; environment?: Record<string, string> } = {},
    ) => {
      const id = name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
      const created = taskFunction(this, `${id}Function`, {
        name,
        memoryMb,
        timeout,
        environment: { ...environment, ...options.environment },
        network,
      });
      grantTables(this.tables, created, FUNCTION_TABLES[name]);
      if (options.databases) secrets.grantRead(created);
      return created;
    };
    const databases = { databases: true };
    const functions = {
      // Executions started from the console skip the API: the same secret policy applies here.
      precheck: fn("precheck", 512, Duration.minutes(2), {
        ...databases,
        environment: { DTS_SECRET_PREFIX: secrets.namePrefix, DTS_REQUIRE_SECRET_ARNS: "true" },
      }),
      capturePosition: fn("capture-position", 256, Duration.minutes(1), databases),
      schema: fn("schema", 512, Duration.minutes(10), databases),
      // Planning goes on from its cursor over as many calls as it needs; 15 minutes makes them fewest.
      planChunks: fn("plan-chunks", 512, Duration.minutes(15), databases),
      // Copy workers stop claiming chunks two minutes before Lambda's 15-minute limit.
      copyChunk: fn("copy-chunk", 1769, Duration.minutes(15), databases),
      fullLoadStatus: fn("full-load-status", 256, Duration.minutes(1)),
      // Sorted index builds after the load; very large tables may need longer than one Lambda.
      buildIndexes: fn("build-indexes", 256, Duration.minutes(15), databases),
      startTailer: fn("start-tailer", 256, Duration.minutes(1), {
        environment: this.tailer.launchEnvironment(),
      }),
      recordFailure: fn("record-failure", 256, Duration.seconds(30)),
    };
    this.tailer.grantLaunch(functions.startTailer);
    // Relaunches a tailer whose Fargate task stopped unexpectedly; outside the state machine.
    this.supervision = new TailerSupervision(this, "Supervision", {
      tailer: this.tailer,
      tables: this.tables,
      network,
      environment,
    });
    this.workflow = new Workflow(this, "Workflow", functions, {
      toleratedWorkerFailurePercentage: props.toleratedWorkerFailurePercentage,
    });

    // The API answers within API Gateway's 29 s; POST /tasks/{name}/precheck connects to both databases.
    const apiFunction = taskFunction(this, "ApiFunction", {
      name: "api",
      memoryMb: 512,
      timeout: Duration.seconds(28),
      environment: {
        ...environment,
        DTS_STATE_MACHINE_ARN: this.workflow.stateMachine.stateMachineArn,
        DTS_SECRET_PREFIX: secrets.namePrefix,
        DTS_REQUIRE_SECRET_ARNS: "true",
        // POST /tasks/{name}/resume of a task past its full load starts only its tailer (RunTask).
        ...this.tailer.launchEnvironment(),
      },
      network,
    });
    this.tailer.grantLaunch(apiFunction);
    grantTables(this.tables, apiFunction, FUNCTION_TABLES.api);
    secrets.grantRead(apiFunction);
    // Start, find (by input) and stop this state machine's executions; nothing else in Step Functions.
    this.workflow.stateMachine.grantStartExecution(apiFunction);
    this.workflow.stateMachine.grant(apiFunction, "states:ListExecutions");
    this.workflow.stateMachine.grantExecution(
      apiFunction,
      "states:DescribeExecution",
      "states:StopExecution",
    );
    this.api = new Api(this, "Api", { handler: apiFunction });

    this.watch = new TailerWatch(this, "Watch", { tables: this.tables, network, environment });
    this.monitoring = new Monitoring(this, "Monitoring", {
      tailerSilenceAlarmSeconds: props.tailerSilenceAlarmSeconds,
      binlogHeadroomAlarmSeconds: props.binlogHeadroomAlarmSeconds,
      stateMachine: this.workflow.stateMachine,
      tailerLogGroup: this.tailer.logGroup,
      copyFunction: functions.copyChunk,
      ...(props.latencyThresholdSeconds !== undefined
        ? { latencyThresholdSeconds: props.latencyThresholdSeconds }
        : {}),
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });

    new CfnOutput(this, "ApiUrl", { value: this.api.restApi.url, description: "The task API (SigV4)" });
    new CfnOutput(this, "StateMachineArn", { value: this.workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, "AlertsTopicArn", { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, "DashboardName", { value: this.monitoring.dashboard.dashboardName });
    new CfnOutput(this, "TailerLogGroup", { value: this.tailer.logGroup.logGroupName });
    new CfnOutput(this, "WorkersSecurityGroup", {
      value: this.network.securityGroup.securityGroupId,
      description: "Allow this security group into your databases and Kafka brokers",
    });
    // What `dts serve --stack` reads to run the API's code on the operator's machine: the same
    // values the API function is configured with (StateMachineArn is output above).
    const served: Record<string, string> = {
      ...environment,
      DTS_STATE_MACHINE_ARN: this.workflow.stateMachine.stateMachineArn,
      DTS_SECRET_PREFIX: secrets.namePrefix,
      ...this.tailer.launchEnvironment(),
    };
    for (const [name, variable] of Object.entries(STACK_OUTPUTS)) {
      const value = served[variable];
      if (value === undefined) throw new Error(`stack output ${name}: nothing sets ${variable}`);
      if (name !== "StateMachineArn")
        new CfnOutput(this, name, { value, description: `${variable} for dts serve --stack` });
    }
  }
}
