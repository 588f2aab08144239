import { App } from "aws-cdk-lib";
import { DtsStack } from "./stack.ts";

const app = new App();
new DtsStack(app, "Dts", {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
