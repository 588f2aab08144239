import { describe, expect, it } from "vitest";
import { indexesOutput, precheckOutput, SUMMARY_CHARS, schemaOutput } from "#core/api/step-outputs.ts";
import { executionSpec, inputTaskName, referencedTask, taskReference } from "#core/api/task-step.ts";
import { SpecError } from "#core/errors.ts";
import { MemoryTaskStore } from "#core/store/memory.ts";
import { largeTask } from "../support/large-task.ts";
import { specInput } from "../support/spec-fixtures.ts";

/** Step Functions' limit on an execution's input and on the state passed between states. */
const STATE_LIMIT = 256 * 1024;
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe("a 5,000-table task in the state machine", () => {
  const large = largeTask("erp-5000", 5_000);

  it("starts from a reference to its saved spec, which alone would outgrow the execution input", async () => {
    // The problem: the spec itself is over the limit, so it cannot be the input.
    expect(bytes(large.spec)).toBeGreaterThan(STATE_LIMIT);
    const input = taskReference(large.spec.name);
    expect(bytes(input)).toBeLessThan(200);
    const store = new MemoryTaskStore();
    await store.saveSpec(large.spec);
    expect(await executionSpec(input, store)).toEqual(large.spec);
  });

  it("keeps every state's result, and the whole state after the last step, far under 256 KB", () => {
    // The worst precheck: every table fails a check.
    const failing = {
      ...large.precheck,
      passed: false,
      counts: { pass: 0, warn: 0, fail: 5_000, skipped: 0 },
      checks: large.precheck.checks.map((c) => ({ ...c, status: "fail" as const })),
    };
    const precheck = precheckOutput(large.spec, failing);
    expect(precheck.summary.length).toBeLessThanOrEqual(SUMMARY_CHARS);
    expect(precheck.summary).toMatch(
      /^precheck failed: source\.table_charset\.customer_order_line_items_00000: /,
    );
    expect(precheck.summary).toMatch(
      /\(`dts status erp-5000` \(GET \/tasks\/erp-5000\) shows the whole report\)$/,
    );
    expect(precheck).toMatchObject({ passed: false, failedCount: 5_000 });
    expect(precheck.failed).toHaveLength(20);

    const schema = schemaOutput(large.schema);
    expect(schema).toEqual({ tables: 5_000, notes: 5_000 });
    const indexes = indexesOutput({ built: 0, pending: large.indexes.pending });
    expect(indexes).toEqual({ built: 0, done: false, pending: 5_000 });

    // What infra/workflow.ts accumulates by the last state, with the most copy workers a spec allows.
    const workers = Array.from({ length: 64 }, (_, worker) => ({ worker, workers: 64 }));
    const state = {
      spec: taskReference(large.spec.name),
      execution: `arn:aws:states:eu-west-1:123456789012:execution:dts:${"x".repeat(80)}`,
      precheck,
      position: { file: "mysql-bin.000123", position: 123_456_789, gtid: "0-1-987654321", resumed: false },
      schema,
      plan: { workers, chunks: 1_000_000, estimatedRows: 9_000_000_000, resumed: false },
      fullLoad: { done: true, chunks: 1_000_000, rows: 9_000_000_000 },
      indexes,
      tailer: {
        id: "arn:aws:ecs:eu-west-1:123456789012:task/dts/0123456789abcdef",
        mode: "ecs",
        alreadyRunning: false,
      },
    };
    expect(bytes(state)).toBeLessThan(8 * 1024);
    // A copy worker's input (the Distributed Map's item selector): the reference, not the spec.
    expect(bytes({ spec: state.spec, execution: state.execution, worker: 63, workers: 64 })).toBeLessThan(
      512,
    );
  });
});

describe("execution inputs", () => {
  it("are a whole spec (the Step Functions console) or a reference to a saved task", async () => {
    const whole = specInput({ name: "console-task" });
    expect(referencedTask(whole)).toBeUndefined();
    expect(inputTaskName(whole)).toBe("console-task");
    expect(await executionSpec(whole, new MemoryTaskStore())).toMatchObject({ name: "console-task" });
    expect(referencedTask({ task: "t" })).toBe("t");
    expect(inputTaskName({ task: "t" })).toBe("t");
    // Anything with more than the task name is a spec, validated as one.
    await expect(executionSpec({ task: "t", extra: 1 }, new MemoryTaskStore())).rejects.toThrow(SpecError);
  });

  it("naming a task never saved are refused with what to do", async () => {
    const refusal = executionSpec({ task: "never-saved" }, new MemoryTaskStore());
    await expect(refusal).rejects.toThrow(SpecError);
    await expect(refusal).rejects.toThrow(
      'the execution input names task "never-saved", which was never saved: start it with POST /tasks or `dts run` (they save the spec first), or pass the whole spec as the input',
    );
  });
});
