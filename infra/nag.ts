import type { Stack } from "aws-cdk-lib";
import { NagSuppressions } from "cdk-nag";

/**
 * The cdk-nag AwsSolutions findings this stack accepts, each with its reason. Everything else is
 * an error in `npm test` (test/infra/nag.test.ts).
 */
export function applyNagSuppressions(stack: Stack): void {
  NagSuppressions.addStackSuppressions(stack, [
    {
      id: "AwsSolutions-L1",
      reason:
        "The phase Lambdas pin nodejs22.x, the runtime the container and the tests use; upgrades are deliberate.",
    },
    {
      id: "AwsSolutions-IAM4",
      reason:
        "AWSLambdaBasicExecutionRole only lets each function write its own CloudWatch log streams; it is the AWS-maintained minimum for Lambda logging.",
      appliesTo: ["Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
    },
    {
      id: "AwsSolutions-IAM5",
      reason:
        "Wildcards come from grant methods scoped to this stack's resources: DynamoDB index ARNs (<table>/index/*) and the Lambda versions (<function>:*) the state machine may invoke. No wildcard action is granted.",
      appliesTo: [
        { regex: "/^Resource::<.*Tables.*\\.Arn>/index/\\*$/g" },
        { regex: "/^Resource::<.*Function.*\\.Arn>:\\*$/g" },
      ],
    },
  ]);
  NagSuppressions.addResourceSuppressionsByPath(
    stack,
    `/${stack.stackName}/Workflow/StateMachine/Role/DefaultPolicy/Resource`,
    [
      {
        id: "AwsSolutions-IAM5",
        reason:
          "X-Ray (xray:PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs delivery (logs:*LogDelivery*, DescribeResourcePolicies, DescribeLogGroups) accept no narrower resource than '*'.",
        appliesTo: ["Resource::*"],
      },
    ],
  );
}
