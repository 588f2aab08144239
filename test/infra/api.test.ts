import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { API_ROUTES } from "#functions/api/routes.ts";
import {
  actionsOf,
  apiResourcePath,
  roleOf,
  roleStatements,
  SYNTH_TIMEOUT,
  synthStack,
  text,
} from "./template.ts";

let template: Template;

beforeAll(() => {
  template = synthStack().template;
}, SYNTH_TIMEOUT);

describe("the task API", () => {
  it("has exactly the handler's routes, each with IAM (SigV4) authorization and a Lambda proxy integration", () => {
    const methods = Object.values(template.findResources("AWS::ApiGateway::Method"));
    const routes = methods.map((m) => ({
      method: m.Properties.HttpMethod as string,
      resource: apiResourcePath(template, (m.Properties.ResourceId as { Ref: string }).Ref),
      operation: m.Properties.OperationName as string,
    }));
    expect(routes.sort((a, b) => a.operation.localeCompare(b.operation))).toEqual(
      [...API_ROUTES].sort((a, b) => a.operation.localeCompare(b.operation)),
    );
    for (const method of methods) {
      expect(method.Properties.AuthorizationType).toBe("AWS_IAM");
      expect(method.Properties.Integration).toMatchObject({
        Type: "AWS_PROXY",
        IntegrationHttpMethod: "POST",
      });
      expect(text(method.Properties.Integration.Uri)).toMatch(/ApiFunction/);
    }
  });

  it("validates requests: a JSON object body for POST /tasks, the task name in the path", () => {
    template.hasResourceProperties("AWS::ApiGateway::RequestValidator", {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    template.hasResourceProperties("AWS::ApiGateway::Model", {
      ContentType: "application/json",
      Schema: Match.objectLike({ type: "object", required: ["name"] }),
    });
    const methods = Object.values(template.findResources("AWS::ApiGateway::Method"));
    for (const method of methods) expect(method.Properties.RequestValidatorId).toBeDefined();
    const create = methods.find((m) => m.Properties.OperationName === "create");
    expect(create?.Properties.RequestModels).toEqual({
      "application/json": { Ref: expect.stringMatching(/TaskSpec/) },
    });
    for (const operation of ["get", "precheck", "stop"]) {
      const method = methods.find((m) => m.Properties.OperationName === operation);
      expect(method?.Properties.RequestParameters).toEqual({ "method.request.path.name": true });
    }
  });

  it("logs access as JSON, logs errors, traces, and throttles the stage", () => {
    template.hasResourceProperties("AWS::ApiGateway::Stage", {
      StageName: "v1",
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^ApiAccessLogs"), "Arn"] },
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
      MethodSettings: [
        Match.objectLike({
          HttpMethod: "*",
          ResourcePath: "/*",
          LoggingLevel: "ERROR",
          DataTraceEnabled: false,
          ThrottlingRateLimit: 10,
          ThrottlingBurstLimit: 20,
        }),
      ],
    });
    template.resourceCountIs("AWS::ApiGateway::Account", 1);
    template.hasOutput("ApiUrl", Match.anyValue());
  });

  it("answers gateway errors (unsigned, denied, throttled, bad body) as JSON {error, message}", () => {
    const responses = Object.values(template.findResources("AWS::ApiGateway::GatewayResponse"));
    const types = responses.map((r) => r.Properties.ResponseType as string);
    for (const type of [
      "BAD_REQUEST_BODY",
      "MISSING_AUTHENTICATION_TOKEN",
      "ACCESS_DENIED",
      "INVALID_SIGNATURE",
      "THROTTLED",
      "DEFAULT_4XX",
      "DEFAULT_5XX",
    ]) {
      expect(types).toContain(type);
    }
    for (const response of responses) {
      // $context.error.messageString is already a quoted JSON string.
      const body = (response.Properties.ResponseTemplates["application/json"] as string).replace(
        "$context.error.messageString",
        '"Missing Authentication Token"',
      );
      const parsed = JSON.parse(body) as { error: string; message: string };
      expect(parsed.error).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(parsed.message.length).toBeGreaterThan(5);
      expect(response.Properties.ResponseParameters).toEqual({
        "gatewayresponse.header.Content-Type": "'application/json'",
      });
    }
  });

  it("runs the API function with the state machine's ARN, and in AWS accepts only secret ARNs under the prefix", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Tags: Match.arrayWith([{ Key: "dts:function", Value: "api" }]),
      Environment: {
        Variables: Match.objectLike({
          DTS_STATE_MACHINE_ARN: { Ref: Match.stringLikeRegexp("^WorkflowStateMachine") },
          DTS_REQUIRE_SECRET_ARNS: "true",
          DTS_SECRET_PREFIX: "dts/",
        }),
      },
    });
    // Executions started from the Step Functions console meet the same rule in Precheck.
    template.hasResourceProperties("AWS::Lambda::Function", {
      Tags: Match.arrayWith([{ Key: "dts:function", Value: "precheck" }]),
      Environment: {
        Variables: Match.objectLike({ DTS_REQUIRE_SECRET_ARNS: "true", DTS_SECRET_PREFIX: "dts/" }),
      },
    });
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      Principal: "apigateway.amazonaws.com",
      FunctionName: { "Fn::GetAtt": [Match.stringLikeRegexp("^ApiFunction"), "Arn"] },
    });
  });

  it("lets the API function start, list, describe and stop executions of the task state machine only", () => {
    const statements = roleStatements(template, roleOf(template, "api")).filter((s) =>
      actionsOf(s).some((a) => a.startsWith("states:")),
    );
    const byAction = Object.fromEntries(
      statements.flatMap((s) => actionsOf(s).map((a) => [a, text(s.Resource)] as const)),
    );
    expect(Object.keys(byAction).sort()).toEqual([
      "states:DescribeExecution",
      "states:ListExecutions",
      "states:StartExecution",
      "states:StopExecution",
    ]);
    expect(byAction["states:StartExecution"]).toMatch(/^\{"Ref":"WorkflowStateMachine[0-9A-F]+"\}$/);
    expect(byAction["states:ListExecutions"]).toMatch(/^\{"Ref":"WorkflowStateMachine[0-9A-F]+"\}$/);
    for (const action of ["states:DescribeExecution", "states:StopExecution"]) {
      expect(byAction[action]).toMatch(/:execution:.*WorkflowStateMachine[0-9A-F]+.*:\*/);
    }
  });
});
