import { RemovalPolicy } from "aws-cdk-lib";
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  JsonSchemaType,
  JsonSchemaVersion,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type Model,
  RequestValidator,
  ResponseType,
  RestApi,
} from "aws-cdk-lib/aws-apigateway";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { API_ROUTES } from "#functions/api/routes.ts";

export interface ApiProps {
  /** The function behind every route (functions/api/handler.ts, Lambda proxy integration). */
  handler: IFunction;
  /** Steady requests per second across the API (default 10: it starts and inspects tasks, it carries no data). */
  rateLimit?: number;
  /** Requests allowed in a burst (default 20). */
  burstLimit?: number;
  /** How long access logs are kept (default one year). */
  accessLogRetention?: RetentionDays;
}

/**
 * Gateway errors (bad signature, throttling, a body that is not an object) as JSON like the
 * handler's: {error, message}. Messages are fixed text (a $context string spliced into JSON could
 * break it), except where the gateway's own quoted message is all there is to say.
 */
const GATEWAY_ERRORS: { type: ResponseType; code: string; message: string }[] = [
  {
    type: ResponseType.BAD_REQUEST_BODY,
    code: "InvalidRequest",
    message:
      "the body must be a JSON object with a name: send the task spec (`dts schema` prints its JSON Schema)",
  },
  {
    type: ResponseType.BAD_REQUEST_PARAMETERS,
    code: "InvalidRequest",
    message: "the path names no task: use /tasks/{name}",
  },
  {
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    code: "MissingAuthentication",
    message:
      "sign the request with SigV4 (service execute-api, see docs/deploy.md) and check the path: the API has /tasks, /tasks/{name}, /tasks/{name}/ precheck, pause, resume and restart, and /openapi.json",
  },
  {
    type: ResponseType.INVALID_SIGNATURE,
    code: "InvalidSignature",
    message:
      "the signature does not match: sign for service execute-api in the API's region, with the exact path and body",
  },
  {
    type: ResponseType.EXPIRED_TOKEN,
    code: "ExpiredToken",
    message: "the credentials that signed the request expired: refresh them and sign again",
  },
  {
    type: ResponseType.ACCESS_DENIED,
    code: "AccessDenied",
    message:
      "the signing identity may not call this method: grant it execute-api:Invoke on the API (see docs/deploy.md)",
  },
  { type: ResponseType.THROTTLED, code: "Throttled", message: "too many requests: slow down and retry" },
  { type: ResponseType.DEFAULT_4XX, code: "RequestFailed", message: "$context.error.messageString" },
  { type: ResponseType.DEFAULT_5XX, code: "GatewayError", message: "$context.error.messageString" },
];

const gatewayErrorBody = (code: string, message: string) =>
  `{"error":${JSON.stringify(code)},"message":${message.startsWith("$context") ? message : JSON.stringify(message)}}`;

/**
 * The task API: API Gateway REST API, IAM (SigV4) authorization on every method, request
 * validation, access logs, throttling; every route goes to one Lambda (functions/api).
 *
 *   POST   /tasks                  validate the spec and run the task (an existing one goes on)
 *   GET    /tasks                  every task with phase, position, progress, latency, last error
 *   GET    /tasks/{name}           one task in detail
 *   DELETE /tasks/{name}           remove a paused task's state (destination data stays)
 *   POST   /tasks/{name}/precheck  run every precheck item against the stored spec
 *   POST   /tasks/{name}/pause     stop its steps, let the tailer checkpoint and stop (also /stop)
 *   POST   /tasks/{name}/resume    go on from the checkpoint
 *   POST   /tasks/{name}/restart   {"fromScratch": true}: schema and full load again
 *   GET    /openapi.json           the OpenAPI 3.1 document of these routes
 */
export class Api extends Construct {
  readonly restApi: RestApi;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.accessLogs = new LogGroup(this, "AccessLogs", {
      retention: props.accessLogRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.restApi = new RestApi(this, "RestApi", {
      restApiName: "dts",
      description: "dts: create, watch and stop data migration tasks",
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // API Gateway writes execution logs with an account-wide role; kept when the stack goes, as other APIs may use it.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: "v1",
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: props.rateLimit ?? 10,
        throttlingBurstLimit: props.burstLimit ?? 20,
      },
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
    });
    for (const { type, code, message } of GATEWAY_ERRORS) {
      this.restApi.addGatewayResponse(`${type.responseType}`, {
        type,
        responseHeaders: { "Content-Type": "'application/json'" },
        templates: { "application/json": gatewayErrorBody(code, message) },
      });
    }
    const validator = new RequestValidator(this, "Validator", {
      restApi: this.restApi,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    // The gateway checks the shape; the handler checks the spec and names each JSON path at fault.
    const specModel: Model = this.restApi.addModel("TaskSpec", {
      contentType: "application/json",
      modelName: "TaskSpec",
      schema: {
        schema: JsonSchemaVersion.DRAFT4,
        title: "TaskSpec",
        description: "A data migration task (`dts schema` prints the full JSON Schema)",
        type: JsonSchemaType.OBJECT,
        required: ["name"],
        properties: { name: { type: JsonSchemaType.STRING } },
      },
    });
    const integration = new LambdaIntegration(props.handler, { proxy: true });
    for (const route of API_ROUTES) {
      const resource = this.restApi.root.resourceForPath(route.resource);
      const named = route.resource.includes("{name}");
      resource.addMethod(route.method, integration, {
        authorizationType: AuthorizationType.IAM,
        requestValidator: validator,
        ...(named ? { requestParameters: { "method.request.path.name": true } } : {}),
        ...(route.operation === "create" ? { requestModels: { "application/json": specModel } } : {}),
        operationName: route.operation,
      });
    }
  }
}
