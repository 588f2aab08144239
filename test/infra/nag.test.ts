import { App, Aspects } from "aws-cdk-lib";
import { Annotations, Match } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { applyNagSuppressions } from "#infra/nag.ts";
import { DtsStack } from "#infra/stack.ts";

describe("cdk-nag AwsSolutions", () => {
  it("finds no unsuppressed error or warning in the stack", () => {
    const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
    const stack = new DtsStack(app, "Dts");
    Aspects.of(stack).add(new AwsSolutionsChecks());
    applyNagSuppressions(stack);
    const findings = [
      ...Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*")),
      ...Annotations.fromStack(stack).findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*")),
    ].map((f) => `${f.id}: ${String(f.entry.data).split("\n")[0]}`);
    expect(findings).toEqual([]);
  });
});
