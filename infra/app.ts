import { App, Aspects } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { stackPropsFromContext } from "./context.ts";
import { applyNagSuppressions } from "./nag.ts";
import { DtsStack } from "./stack.ts";

const app = new App();
/**
 * `cdk deploy -c vpcId=vpc-0abc -c alarmEmail=ops@example.com ...`: the keys are CONTEXT_KEYS in
 * context.ts (each sets the stack prop of the same name); docs/deploy.md lists them.
 */
const read = (key: string): unknown => app.node.tryGetContext(key);
let stack: DtsStack;
try {
  stack = new DtsStack(app, (read("stackName") as string | undefined) || "Dts", {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    ...stackPropsFromContext(read),
  });
} catch (error) {
  // A bad context value or prop: its message names the key and the fix; a stack trace would bury it.
  process.stderr.write(`dts: ${(error as Error).message}\n`);
  process.exit(1);
}
// AwsSolutions checks run at every synth; accepted findings are listed, with reasons, in nag.ts.
Aspects.of(app).add(new AwsSolutionsChecks());
applyNagSuppressions(stack);
app.synth();
