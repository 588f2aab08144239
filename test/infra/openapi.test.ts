import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { apiDocument } from "#functions/api/app.ts";
import { SYNTH_TIMEOUT, synthStack } from "./template.ts";

let template: Template;

beforeAll(() => {
  template = synthStack().template;
}, SYNTH_TIMEOUT);

/** The path of an API Gateway resource, from its PathPart and its parents'. */
function resourcePath(id: string): string {
  const resources = template.findResources("AWS::ApiGateway::Resource");
  const resource = resources[id];
  if (!resource) return "";
  const parent = resource.Properties.ParentId as { Ref?: string };
  return `${parent.Ref && resources[parent.Ref] ? resourcePath(parent.Ref) : ""}/${resource.Properties.PathPart}`;
}

describe("the OpenAPI document against the deployed API", () => {
  it("lists the same paths and methods as the API Gateway methods the stack deploys", () => {
    const deployed = Object.values(template.findResources("AWS::ApiGateway::Method")).map(
      (m) => `${m.Properties.HttpMethod} ${resourcePath((m.Properties.ResourceId as { Ref: string }).Ref)}`,
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
