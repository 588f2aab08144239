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
import { grantTables, TAILER_TABLES } from "./access.ts";
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
  /**
   * Fargate CPU units (default 1024 = 1 vCPU: the tailer needs about one core at 35,000 changes/s;
   * 512 halves the Fargate price for small sources). One of 256, 512, 1024, 2048, 4096, 8192, 16384.
   */
  cpu?: number;
  /**
   * Fargate memory in MiB (default 2048: the tailer peaks near 400 MB while draining a backlog, and
   * large transactions are held whole). Fargate allows only some amounts per CPU size (FARGATE_MEMORY).
   */
  memoryMiB?: number;
  /**
   * CPU architecture (default X86_64, which any Docker builder can build; ARM64 is ~20 % cheaper
   * on Fargate but needs an arm64 builder or QEMU where `cdk deploy` runs).
   */
  architecture?: CpuArchitecture;
  /** How long the tailer's logs are kept (default one month). */
  logRetention?: RetentionDays;
}

/** The memory (MiB) Fargate accepts with each CPU size: [min, max, step]. */
export const FARGATE_MEMORY: Record<number, [number, number, number]> = {
  256: [512, 2048, 512],
  512: [1024, 4096, 1024],
  1024: [2048, 8192, 1024],
  2048: [4096, 16384, 1024],
  4096: [8192, 30720, 1024],
  8192: [16384, 61440, 4096],
  16384: [32768, 122880, 8192],
};
export const DEFAULT_TAILER_CPU = 1024;
export const DEFAULT_TAILER_MEMORY_MIB = 2048;

/** A clear error for a CPU and memory pair Fargate would refuse at deploy time. */
export function checkTailerSize(cpu: number, memoryMiB: number): void {
  const range = FARGATE_MEMORY[cpu];
  if (!range)
    throw new Error(
      `tailerCpu must be one of ${Object.keys(FARGATE_MEMORY).join(", ")} (CPU units, 1024 = 1 vCPU), not ${cpu}`,
    );
  const [min, max, step] = range;
  // 256 CPU units take 512, 1024 or 2048 MiB only.
  const fits =
    cpu === 256
      ? [512, 1024, 2048].includes(memoryMiB)
      : memoryMiB >= min && memoryMiB <= max && (memoryMiB - min) % step === 0;
  if (!fits)
    throw new Error(
      `tailerMemoryMiB ${memoryMiB} does not fit tailerCpu ${cpu}: Fargate takes ${cpu === 256 ? "512, 1024 or 2048 MiB" : `${min} to ${max} MiB in steps of ${step}`} with it`,
    );
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
    const cpu = props.cpu ?? DEFAULT_TAILER_CPU;
    const memoryMiB = props.memoryMiB ?? DEFAULT_TAILER_MEMORY_MIB;
    checkTailerSize(cpu, memoryMiB);
    // Kept when the stack is deleted: why a tailer stopped outlives the stack.
    this.logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.taskDefinition = new FargateTaskDefinition(this, "TaskDefinition", {
      cpu,
      memoryLimitMiB: memoryMiB,
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
    grantTables(props.tables, role, TAILER_TABLES);
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
