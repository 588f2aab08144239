import { join } from "node:path";
import { type Duration, RemovalPolicy, Tags } from "aws-cdk-lib";
import type { ISecurityGroup, IVpc, SubnetSelection } from "aws-cdk-lib/aws-ec2";
import { Architecture, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { functionEntry, REPO_ROOT } from "./paths.ts";
import { FUNCTION_TAG } from "./tags.ts";

/** Where a function runs: private subnets that reach the databases, with the workers' security group. */
export interface FunctionNetwork {
  vpc: IVpc;
  subnets: SubnetSelection;
  securityGroup: ISecurityGroup;
}

export interface TaskFunctionProps {
  /** Folder under functions/. */
  name: string;
  memoryMb: number;
  timeout: Duration;
  environment: Record<string, string>;
  network: FunctionNetwork;
}

/**
 * One Lambda per functions/<name>/handler.ts, bundled by the local esbuild (no Docker), in the VPC,
 * traced with X-Ray, its log group kept after the stack. It gets no table: infra/access.ts grants each its own.
 */
/** Packages a function ships whole in node_modules instead of inside its bundle. */
export const BUNDLED_AS_PACKAGES = ["@platformatic/wasm-utils", "@platformatic/dynamic-buffer"] as const;

export function taskFunction(scope: Construct, id: string, props: TaskFunctionProps): NodejsFunction {
  const fn = new NodejsFunction(scope, id, {
    entry: functionEntry(props.name),
    handler: "handler",
    projectRoot: REPO_ROOT,
    depsLockFilePath: join(REPO_ROOT, "package-lock.json"),
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memoryMb,
    timeout: props.timeout,
    environment: { NODE_OPTIONS: "--enable-source-maps", ...props.environment },
    // Kept when the stack is deleted: the evidence of a crash outlives the stack that crashed.
    logGroup: new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    }),
    // Traced like the state machine, so an execution's trace shows each function's time.
    tracing: Tracing.ACTIVE,
    // The Kafka client's WebAssembly helpers read native.wasm beside their own file, so they (and
    // the buffer package they share with the client: one copy) are installed into the asset. Its
    // ES modules call createRequire(import.meta.url), which a CommonJS bundle must define.
    bundling: {
      format: OutputFormat.CJS,
      target: "node22",
      sourceMap: true,
      minify: false,
      nodeModules: [...BUNDLED_AS_PACKAGES],
      define: { "import.meta.url": "__dtsImportMetaUrl" },
      banner: "const __dtsImportMetaUrl = require('node:url').pathToFileURL(__filename).href;",
    },
    vpc: props.network.vpc,
    vpcSubnets: props.network.subnets,
    securityGroups: [props.network.securityGroup],
  });
  Tags.of(fn).add(FUNCTION_TAG, props.name);
  return fn;
}
