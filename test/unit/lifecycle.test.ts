import { describe, expect, it } from "vitest";
import { planId } from "#core/fullload/service.ts";
import { canMove, PHASES, type Phase } from "#core/model/phase.ts";
import type { TaskRecord } from "#core/store/task-store.ts";
import { planRule, positionRule, readyForTailer, resumeAction, schemaRule } from "#core/task/lifecycle.ts";
import { spec } from "../support/spec-fixtures.ts";

const AT = "2031-01-01T00:00:00.000Z";
const idle = { executions: 0, tailer: false };

function task(overrides: Partial<TaskRecord> = {}, types = ["schema", "full", "incremental"]): TaskRecord {
  const taskSpec = spec({ name: "life", migrationTypes: types as ("schema" | "full" | "incremental")[] });
  return { name: "life", spec: taskSpec, phase: "paused", createdAt: AT, updatedAt: AT, ...overrides };
}

const position = { file: "binlog.000001", position: 4, capturedAt: AT };
const schema = { createdTables: ["d.t"], notes: [], completedAt: AT };
const fullLoad = (done: boolean, basis = spec({ name: "life" })) => ({
  planId: planId(basis),
  chunks: 3,
  estimatedRows: 30,
  startedAt: AT,
  ...(done ? { completedAt: AT, rows: 30 } : {}),
});

describe("the phases and their moves", () => {
  it("lets a step move the task forward, never a paused, failed or completed task on", () => {
    expect(canMove("prechecked", "schema")).toBe(true);
    expect(canMove("schema", "full-load")).toBe(true);
    expect(canMove("full-load", "building-indexes")).toBe(true);
    expect(canMove("building-indexes", "incremental")).toBe(true);
    for (const from of ["paused", "failed", "completed"] as Phase[]) {
      for (const to of ["schema", "full-load", "building-indexes", "prechecked"] as Phase[])
        expect(canMove(from, to), `${from} -> ${to}`).toBe(false);
    }
  });

  it("pauses or fails any active task; resume moves a paused or failed one on", () => {
    for (const from of ["prechecking", "schema", "full-load", "building-indexes", "incremental"] as Phase[]) {
      expect(canMove(from, "paused")).toBe(true);
      expect(canMove(from, "failed")).toBe(true);
    }
    expect(canMove("paused", "prechecking")).toBe(true);
    expect(canMove("failed", "incremental")).toBe(true);
    expect(canMove("completed", "paused")).toBe(false);
    expect(canMove("completed", "prechecking")).toBe(false);
  });

  it("never goes back to created by a move (only a restart from scratch does)", () => {
    for (const from of PHASES) if (from !== "created") expect(canMove(from, "created")).toBe(false);
  });
});

describe("what resuming a task does", () => {
  it("runs a new task, and one that never captured a position", () => {
    expect(resumeAction(undefined, spec({ name: "life" }), idle)).toEqual({ kind: "run" });
    expect(resumeAction(task({ phase: "precheck-failed" }), spec({ name: "life" }), idle)).toEqual({
      kind: "run",
    });
  });

  it("leaves a running task alone", () => {
    const running = task({ phase: "incremental", position });
    expect(resumeAction(running, running.spec, { executions: 0, tailer: true })).toEqual({
      kind: "running",
      what: "tailer",
    });
    expect(resumeAction(running, running.spec, { executions: 1, tailer: false })).toEqual({
      kind: "running",
      what: "execution",
    });
  });

  it("starts only the tailer of a task past its full load, whatever stopped it", () => {
    for (const phase of ["paused", "failed", "incremental"] as Phase[]) {
      const stopped = task({ phase, position, schema, fullLoad: fullLoad(true) });
      expect(resumeAction(stopped, stopped.spec, idle)).toEqual({ kind: "start-tailer" });
    }
    const incrementalOnly = task({ position }, ["incremental"]);
    expect(resumeAction(incrementalOnly, incrementalOnly.spec, idle)).toEqual({ kind: "start-tailer" });
  });

  it("runs the steps again, keeping what was done, for a task stopped before its tailer", () => {
    const midLoad = task({ phase: "paused", position, schema, fullLoad: fullLoad(false) });
    expect(resumeAction(midLoad, midLoad.spec, idle)).toEqual({ kind: "continue" });
    const indexesPending = task({
      position,
      schema: {
        ...schema,
        deferredIndexes: [{ table: "d.t", indexes: [{ name: "k", clause: "KEY k (a)" }] }],
      },
      fullLoad: fullLoad(true),
    });
    expect(readyForTailer(indexesPending)).toBe(false);
    expect(resumeAction(indexesPending, indexesPending.spec, idle)).toEqual({ kind: "continue" });
  });

  it("refuses to load a completed task again, and names the command that does", () => {
    const done = task({ phase: "completed", position, schema, fullLoad: fullLoad(true) }, ["schema", "full"]);
    expect(resumeAction(done, done.spec, idle)).toEqual({
      kind: "refuse",
      reason:
        "task life is completed; `dts restart life --from-scratch` runs it again from the start (schema, full load)",
    });
  });

  it("refuses to go on past a purged binlog", () => {
    const purged = task({
      phase: "failed",
      position,
      schema,
      fullLoad: fullLoad(true),
      lastError: {
        error: "BinlogPurgedError",
        cause: "the source no longer has binlog binlog.000001",
        at: AT,
      },
    });
    const action = resumeAction(purged, purged.spec, idle);
    expect(action.kind).toBe("refuse");
    expect(action.kind === "refuse" && action.reason).toMatch(/restart life --from-scratch/);
  });

  it("refuses a spec that selects other data than the task was loaded with; other settings may change", () => {
    const loaded = task({ position, schema, fullLoad: fullLoad(true) });
    const other = spec({ name: "life", objects: [{ database: "elsewhere" }] });
    const action = resumeAction(loaded, other, idle);
    expect(action.kind === "refuse" && action.reason).toMatch(
      /^the spec of life now selects other objects, rows or ETL than the task was loaded with/,
    );
    const incrementalOnly = spec({ name: "life", migrationTypes: ["incremental"] });
    expect(resumeAction(loaded, incrementalOnly, idle).kind).toBe("refuse");
    const tuned = spec({ name: "life", retryWindowMinutes: 60, heartbeat: false });
    expect(resumeAction(loaded, tuned, idle)).toEqual({ kind: "start-tailer" });
  });
});

describe("what each step keeps from an earlier run", () => {
  it("keeps the captured position: changes since then are applied, not skipped", () => {
    expect(positionRule(undefined)).toBe("capture");
    expect(positionRule(task())).toBe("capture");
    expect(positionRule(task({ position }))).toBe("keep");
  });

  it("skips a finished schema step; recreates owned tables only before the full load began", () => {
    const s = spec({ name: "life" });
    expect(schemaRule(task({ schema }), s)).toBe("done");
    expect(schemaRule(task({ schema: { createdTables: ["d.t"], notes: [] } }), s)).toEqual({
      recreateOwned: true,
    });
    expect(schemaRule(task({ fullLoad: fullLoad(false) }), s)).toEqual({ recreateOwned: false });
    expect(schemaRule(undefined, spec({ name: "life", migrationTypes: ["schema", "incremental"] }))).toEqual({
      recreateOwned: false,
    });
  });

  it("plans a full load once: a finished one is done, an unfinished one resumes its ledger", () => {
    expect(planRule(undefined)).toBe("new");
    expect(planRule(task())).toBe("new");
    expect(planRule(task({ fullLoad: fullLoad(false) }))).toBe("resume");
    expect(planRule(task({ fullLoad: fullLoad(true) }))).toBe("done");
  });

  it("compares selections whatever order a stored spec's keys come back in", () => {
    const loaded = task({ position, schema, fullLoad: fullLoad(true) });
    const reversed = (value: unknown): unknown =>
      value && typeof value === "object" && !Array.isArray(value)
        ? Object.fromEntries(
            Object.entries(value)
              .reverse()
              .map(([k, v]) => [k, reversed(v)]),
          )
        : Array.isArray(value)
          ? value.map(reversed)
          : value;
    const stored = { ...loaded, spec: reversed(loaded.spec) as TaskRecord["spec"] };
    expect(JSON.stringify(stored.spec)).not.toBe(JSON.stringify(loaded.spec));
    expect(resumeAction(stored, loaded.spec, idle)).toEqual({ kind: "start-tailer" });
  });
});
