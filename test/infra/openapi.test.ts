import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { apiDocument } from "#functions/api/app.ts";
import { apiResourcePath, SYNTH_TIMEOUT, synthStack } from "./template.ts";

let template: Template;

beforeAll(() => {
  template = synthStack().template;
}, SYNTH_TIMEOUT);

describe("the OpenAPI document against the deployed API", () => {
  it("lists the same paths and methods as the API Gateway methods the stack deploys", () => {
    const deployed = Object.values(template.findResources("AWS::ApiGateway::Method")).map(
      (m) =>
        `${m.Properties.HttpMethod} ${apiResourcePath(template, (m.Properties.ResourceId as { Ref: string }).Ref)}`,
    );
    const paths = (apiDocument() as { paths: Record<string, Record<string, unknown>> }).paths;
    const documented = Object.entries(paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(deployed.sort());
    // The document itself is deployed, behind SigV4 like every other route.
    expect(deployed).toContain("GET /openapi.json");
  });
});
