import { App, Aspects } from "aws-cdk-lib";
import { Annotations, Match } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { applyNagSuppressions } from "#infra/nag.ts";
import { DtsStack, type DtsStackProps } from "#infra/stack.ts";

describe("cdk-nag AwsSolutions", () => {
  it.each([
    ["as deployed by default", {}],
    ["without NAT (interface endpoints, limited egress)", { natGateways: 0, egressCidrs: ["10.0.0.0/8"] }],
  ] as [string, DtsStackProps][])("finds no unsuppressed error or warning in the stack %s", (_, props) => {
    const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
    const stack = new DtsStack(app, "Dts", props);
    Aspects.of(stack).add(new AwsSolutionsChecks());
    applyNagSuppressions(stack);
    const findings = [
      ...Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*")),
      ...Annotations.fromStack(stack).findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*")),
    ].map((f) => `${f.id}: ${String(f.entry.data).split("\n")[0]}`);
    expect(findings).toEqual([]);
  });
});
