import { App, Aspects } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { applyNagSuppressions } from "./nag.ts";
import { DtsStack, type DtsStackProps } from "./stack.ts";

const app = new App();
/** `cdk deploy -c vpcId=vpc-0abc -c alarmEmail=ops@example.com ...`; docs/deploy.md lists them. */
const context = (key: string): string | undefined => {
  const value = app.node.tryGetContext(key) as unknown;
  return value === undefined || value === "" ? undefined : String(value);
};
const number = (key: string): number | undefined => {
  const value = context(key);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`context ${key} must be a number, not "${value}"`);
  return parsed;
};
const props: DtsStackProps = {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  vpcId: context("vpcId"),
  natGateways: number("natGateways"),
  secretNamePrefix: context("secretNamePrefix"),
  latencyThresholdSeconds: number("latencyThresholdSeconds"),
  alarmEmail: context("alarmEmail"),
  tailerArchitecture: context("tailerArchitecture") === "ARM64" ? "ARM64" : undefined,
};
if (context("tailerArchitecture") && !["ARM64", "X86_64"].includes(context("tailerArchitecture") ?? "")) {
  throw new Error(
    `context tailerArchitecture must be ARM64 or X86_64, not "${context("tailerArchitecture")}"`,
  );
}
const stack = new DtsStack(app, context("stackName") ?? "Dts", props);
// AwsSolutions checks run at every synth; accepted findings are listed, with reasons, in nag.ts.
Aspects.of(app).add(new AwsSolutionsChecks());
applyNagSuppressions(stack);
app.synth();
