import type { Template } from "aws-cdk-lib/assertions";
import { StateMachine } from "aws-local-stepfunctions";
import { beforeAll, describe, expect, it } from "vitest";
import { type Template as LocalTemplate, resolveDefinition } from "../../local/definition.ts";
import "../../local/polyfills.ts";
import { SYNTH_TIMEOUT, synthStack } from "./template.ts";

let template: Template;

beforeAll(() => {
  template = synthStack().template;
}, SYNTH_TIMEOUT);

/** The synthesized definition run with stand-ins for every Lambda; returns the states entered. */
async function runWith(planAnswers: boolean[]): Promise<{ states: string[]; planCalls: number }> {
  const local = resolveDefinition(template.toJSON() as LocalTemplate);
  const machine = new StateMachine(JSON.parse(local.text), { validationOptions: { checkArn: true } });
  let planCalls = 0;
  const workers = [{ worker: 0, workers: 1 }];
  const answers: Record<string, () => unknown> = {
    Precheck: () => ({ passed: true, phases: { schema: false, full: true, incremental: false } }),
    CapturePosition: () => ({}),
    PlanChunks: () => ({ workers, done: planAnswers[planCalls++] ?? true, chunks: 1, estimatedRows: 1 }),
    CopyChunk: () => ({ copied: 1, more: false }),
    FullLoadStatus: () => ({ done: true, chunks: 1, rows: 1 }),
    BuildIndexes: () => ({ done: true }),
  };
  const handlers = Object.fromEntries(
    Object.keys(local.functionsByState).map((state) => [
      state,
      async () => (answers[state] ?? (() => ({})))(),
    ]),
  );
  const execution = machine.run({ name: "plan-loop" } as never, {
    overrides: { taskResourceLocalHandlers: handlers as never },
    context: {
      Execution: { Id: "arn:aws:states:us-east-1:000000000000:execution:dts-local:plan-loop" },
    } as never,
  });
  const states: string[] = [];
  const events = (async () => {
    for await (const event of execution.eventLogs)
      if (event.type === "StateEntered" && "state" in event) states.push(event.state.name);
  })();
  await execution.result;
  await events;
  return { states, planCalls };
}

describe("planning in as many PlanChunks calls as it takes", () => {
  it("calls PlanChunks again while it answers done: false, and starts the copy workers only after done", async () => {
    const { states, planCalls } = await runWith([false, false, true]);
    expect(planCalls).toBe(3);
    const planning = states.slice(states.indexOf("PlanChunks"), states.indexOf("CopyChunks") + 1);
    expect(planning).toEqual([
      "PlanChunks",
      "PlanDone?",
      "PlanChunks",
      "PlanDone?",
      "PlanChunks",
      "PlanDone?",
      "CopyChunks",
    ]);
    expect(states.at(-1)).toBe("Done");
  });

  it("goes straight to the copy workers when one call planned everything", async () => {
    const { states, planCalls } = await runWith([true]);
    expect(planCalls).toBe(1);
    expect(states.filter((s) => s === "PlanChunks" || s === "PlanDone?")).toEqual([
      "PlanChunks",
      "PlanDone?",
    ]);
  });
});
