import { Duration, Fn, IgnoreMode, RemovalPolicy } from "aws-cdk-lib";
import type { ISecurityGroup, IVpc, SubnetSelection } from "aws-cdk-lib/aws-ec2";
import { Platform } from "aws-cdk-lib/aws-ecr-assets";
import {
  Cluster,
  ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
} from "aws-cdk-lib/aws-ecs";
import { type IGrantable, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { REPO_ROOT } from "./paths.ts";
import type { SecretsAccess } from "./secrets.ts";
import type { Tables } from "./tables.ts";

/** The container's name in the task definition; the launcher's RunTask overrides name it. */
export const TAILER_CONTAINER = "tailer";

/**
 * The Docker build context: the repository root, of which only what the Dockerfile copies is
 * sent (dockerignore rules: everything, then the exceptions).
 */
export const TAILER_BUILD_CONTEXT_EXCLUDE = [
  "*",
  "!package.json",
  "!package-lock.json",
  "!core",
  "!container",
];

export interface TailerServiceProps {
  vpc: IVpc;
  subnets: SubnetSelection;
  securityGroup: ISecurityGroup;
  tables: Tables;
  secrets: SecretsAccess;
  /** Fargate CPU units (default 512 = 0.5 vCPU: the tailer applies ~50,000 rows/s on one core). */
  cpu?: number;
  /** Fargate memory (default 1024 MiB: the tailer peaks near 400 MB while draining a backlog). */
  memoryMiB?: number;
  /**
   * CPU architecture (default X86_64, which any Docker builder can build; ARM64 is ~20 % cheaper
   * on Fargate but needs an arm64 builder or QEMU where `cdk deploy` runs).
   */
  architecture?: CpuArchitecture;
  /** How long the tailer's logs are kept (default one month). */
  logRetention?: RetentionDays;
}

/**
 * The incremental phase's long-running binlog tailer: an ECS cluster and a Fargate task
 * definition built from container/Dockerfile, logging to CloudWatch. The state machine's
 * StartTailer function launches one task per migration task with ECS RunTask; TailerSupervision
 * (supervision.ts) relaunches one that stops unexpectedly.
 */
export class TailerService extends Construct {
  readonly cluster: Cluster;
  readonly taskDefinition: FargateTaskDefinition;
  readonly logGroup: LogGroup;
  private readonly props: TailerServiceProps;

  constructor(scope: Construct, id: string, props: TailerServiceProps) {
    super(scope, id);
    this.props = props;
    const architecture = props.architecture ?? CpuArchitecture.X86_64;
    this.cluster = new Cluster(this, "Cluster", {
      vpc: props.vpc,
      containerInsightsV2: ContainerInsights.ENABLED,
    });
    this.logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.taskDefinition = new FargateTaskDefinition(this, "TaskDefinition", {
      cpu: props.cpu ?? 512,
      memoryLimitMiB: props.memoryMiB ?? 1024,
      runtimePlatform: { cpuArchitecture: architecture, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    this.taskDefinition.addContainer(TAILER_CONTAINER, {
      // Built and pushed by `cdk deploy` only: synth stages the context and needs no Docker.
      image: ContainerImage.fromAsset(REPO_ROOT, {
        file: "container/Dockerfile",
        exclude: TAILER_BUILD_CONTEXT_EXCLUDE,
        ignoreMode: IgnoreMode.DOCKER,
        platform: architecture === CpuArchitecture.ARM64 ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
      }),
      logging: LogDrivers.awsLogs({ streamPrefix: "tailer", logGroup: this.logGroup }),
      environment: {
        DTS_TASKS_TABLE: props.tables.tasks.tableName,
        DTS_CHUNKS_TABLE: props.tables.chunks.tableName,
        DTS_CHECKPOINTS_TABLE: props.tables.checkpoints.tableName,
      },
      // SIGTERM flushes the checkpoint; give it time before SIGKILL (Fargate allows up to 120 s).
      stopTimeout: Duration.seconds(60),
      readonlyRootFilesystem: true,
    });
    const role = this.taskDefinition.taskRole;
    props.tables.tasks.grantReadWriteData(role);
    props.tables.checkpoints.grantReadWriteData(role);
    props.secrets.grantRead(role);
  }

  /** What the launcher (core/adapters/tailer-launcher.ts) reads to run a tailer. */
  launchEnvironment(): Record<string, string> {
    const subnets = this.props.vpc.selectSubnets(this.props.subnets).subnetIds;
    return {
      DTS_TAILER_CLUSTER: this.cluster.clusterArn,
      DTS_TAILER_TASK_DEFINITION: this.taskDefinition.taskDefinitionArn,
      DTS_TAILER_SUBNETS: Fn.join(",", subnets),
      DTS_TAILER_SECURITY_GROUPS: this.props.securityGroup.securityGroupId,
    };
  }

  /**
   * ecs:RunTask of this task definition, only in this cluster, and iam:PassRole of its two roles
   * (ECS must assume them), only to ECS.
   */
  grantLaunch(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["ecs:RunTask"],
        resources: [this.taskDefinition.taskDefinitionArn],
        conditions: { ArnEquals: { "ecs:cluster": this.cluster.clusterArn } },
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["iam:PassRole"],
        resources: [this.taskDefinition.taskRole.roleArn, this.taskDefinition.obtainExecutionRole().roleArn],
        conditions: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      }),
    );
  }
}
