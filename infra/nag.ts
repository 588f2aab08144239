import type { Stack } from "aws-cdk-lib";
import { CfnPolicy } from "aws-cdk-lib/aws-iam";
import { NagSuppressions } from "cdk-nag";

/**
 * The default policies of the functions' execution roles: Tracing.ACTIVE (infra/task-function.ts)
 * adds X-Ray's two write actions on '*' to each, and nothing else of theirs is a wildcard
 * resource (test/infra/access.test.ts checks both).
 */
export function functionPolicies(stack: Stack): CfnPolicy[] {
  return stack.node
    .findAll()
    .filter(
      (c): c is CfnPolicy =>
        c instanceof CfnPolicy && /Function[^/]*\/ServiceRole\/DefaultPolicy\/Resource$/.test(c.node.path),
    );
}

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
        "AWS-maintained minimums: AWSLambdaBasicExecutionRole lets each function write its own log streams; AWSLambdaVPCAccessExecutionRole lets a VPC function manage its network interfaces (EC2 accepts no narrower resource); AmazonAPIGatewayPushToCloudWatchLogs is API Gateway's account-wide logging role.",
      appliesTo: [
        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
      ],
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
    {
      id: "AwsSolutions-IAM5",
      reason:
        "Task credentials live in Secrets Manager under the stack's secret name prefix (secretNamePrefix, default dts/); secret ARNs end in a random suffix, so the grant names the prefix. Only GetSecretValue and DescribeSecret are granted, to the functions that connect to databases and to the tailer.",
      appliesTo: [
        {
          regex:
            "/^Resource::arn:<AWS::Partition>:secretsmanager:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|\\d{12}):secret:[A-Za-z0-9/_+=.@-]+\\*$/g",
        },
      ],
    },
    {
      id: "AwsSolutions-IAM5",
      reason:
        "Executions of this stack's state machine (and the Distributed Map's child executions of it) have names chosen at run time; the grant is limited to executions of that one state machine.",
      appliesTo: [
        {
          regex:
            "/^Resource::arn:<AWS::Partition>:states:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|\\d{12}):execution:.*WorkflowStateMachine[0-9A-F]+.*:\\*$/g",
        },
      ],
    },
    {
      id: "AwsSolutions-ECS2",
      reason:
        "The tailer's environment holds only the names of this stack's DynamoDB tables; credentials are read from Secrets Manager at run time, never passed as environment variables.",
    },
    {
      id: "AwsSolutions-COG4",
      reason:
        "The API uses IAM (SigV4) authorization: its callers are AWS principals (operators, CI, other services) whose IAM policies grant execute-api:Invoke; a Cognito user pool would add a second identity store.",
    },
    {
      id: "AwsSolutions-APIG3",
      reason:
        "Every method requires a SigV4 signature, which API Gateway checks before any integration runs, and the stage is throttled (10 rps, burst 20). A WAF web ACL (5 USD a month and up) can be associated after deployment where policy requires one (docs/deploy.md).",
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
  for (const policy of functionPolicies(stack)) {
    NagSuppressions.addResourceSuppressions(policy, [
      {
        id: "AwsSolutions-IAM5",
        reason:
          "Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords accept no narrower resource than '*'.",
        appliesTo: ["Resource::*"],
      },
    ]);
  }
  NagSuppressions.addResourceSuppressionsByPath(
    stack,
    `/${stack.stackName}/Tailer/TaskDefinition/ExecutionRole/DefaultPolicy/Resource`,
    [
      {
        id: "AwsSolutions-IAM5",
        reason:
          "ecr:GetAuthorizationToken, which ECS needs to pull the tailer's image, accepts no narrower resource than '*'; the image pull itself is limited to the CDK assets repository.",
        appliesTo: ["Resource::*"],
      },
    ],
  );
}
