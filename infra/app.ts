import { App, Aspects } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { applyNagSuppressions } from "./nag.ts";
import { DtsStack } from "./stack.ts";

const app = new App();
const stack = new DtsStack(app, "Dts", {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// AwsSolutions checks run at every synth; accepted findings are listed, with reasons, in nag.ts.
Aspects.of(app).add(new AwsSolutionsChecks());
applyNagSuppressions(stack);
app.synth();
