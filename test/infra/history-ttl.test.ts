import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, expect, it } from "vitest";
import { HISTORY_TTL_ATTRIBUTE } from "#core/store/task-history.ts";
import { SYNTH_TIMEOUT, synthStack } from "./template.ts";

let template: Template;

beforeAll(() => {
  template = synthStack().template;
}, SYNTH_TIMEOUT);

it("lets DynamoDB expire the tasks' metrics history by the attribute the store writes, and nothing else", () => {
  const tables = Object.values(template.findResources("AWS::DynamoDB::Table")).map((t) => ({
    key: (t.Properties.KeySchema as { AttributeName: string }[]).map((k) => k.AttributeName).join(","),
    ttl: t.Properties.TimeToLiveSpecification,
  }));
  // Only the tasks table (key "name"): the checkpoints' lease expiry is epoch ms, never a TTL.
  expect(tables).toEqual(
    expect.arrayContaining([
      { key: "name", ttl: { AttributeName: HISTORY_TTL_ATTRIBUTE, Enabled: true } },
      { key: "task", ttl: undefined },
      { key: "task,id", ttl: undefined },
    ]),
  );
  expect(tables).toHaveLength(3);
});
