import { z } from "zod";
import { PHASES } from "../model/phase.ts";
import type { ApiErrorBody } from "./errors.ts";
import type { CreatedTask, PrecheckOutcome, StopOutcome, TaskHistory } from "./tasks.ts";
import type { TaskSummary, TaskView } from "./view.ts";

/**
 * The API's answers as zod schemas, for its OpenAPI document (core/api/openapi.ts). Each is tied at
 * compile time to the type the API returns, so a renamed or retyped field fails the build.
 */

/** The documented answers, each with its component name and description. */
export const answerRegistry = z.registry<{ id: string; description: string }>();

/**
 * Registers `schema` under `id`, and proves the API's answer type `_Answer` has every documented field
 * with a documented type. Answers may carry more fields than documented (clients ignore them).
 */
const documented =
  <S extends z.ZodType>(id: string, description: string, schema: S) =>
  <_Answer extends z.output<S>>(): S => {
    answerRegistry.add(schema, { id, description });
    return schema;
  };

const position = z.object({
  file: z.string(),
  position: z.number().int(),
  gtid: z.string().optional(),
  gtidFlavour: z.enum(["mysql", "mariadb"]).optional(),
});
// Null when the task has not failed. Nullish where the answer's type admits undefined too (JSON leaves it out).
const lastError = z
  .object({ error: z.string(), cause: z.string(), state: z.string().optional(), at: z.string() })
  .nullish();
const check = z.object({
  id: z.string(),
  status: z.string(),
  detail: z.string(),
  fix: z.string().optional(),
});
const counts = z.record(z.string(), z.number());

export const errorBody = documented(
  "Error",
  "Every error: a stable code, a message that says what to fix, and for an invalid spec one problem per JSON path",
  z.object({
    error: z.string(),
    message: z.string(),
    problems: z
      .array(z.object({ path: z.string(), received: z.string().optional(), message: z.string() }))
      .optional(),
  }),
)<ApiErrorBody>();

const taskSummary = documented(
  "TaskSummary",
  "One task in the list; position is the last applied binlog position, else the captured one",
  z.object({
    name: z.string(),
    phase: z.enum(PHASES),
    updatedAt: z.string(),
    progressPercent: z.number().nullable(),
    rows: z.number(),
    latencySeconds: z.number().nullable(),
    lastError,
    position: z.string().nullable(),
  }),
)<TaskSummary>();

export const taskList = documented("TaskList", "Every task", z.object({ tasks: z.array(taskSummary) }))<{
  tasks: TaskSummary[];
}>();

export const taskView = documented(
  "Task",
  "Where a task is and how it is doing (the spec without passwords)",
  z.object({
    name: z.string(),
    phase: z.enum(PHASES),
    migrationTypes: z.array(z.enum(["schema", "full", "incremental"])),
    createdAt: z.string(),
    updatedAt: z.string(),
    progressPercent: z.number().nullable(),
    rows: z.number(),
    latencySeconds: z.number().nullable(),
    lastError,
    running: z.object({
      executions: z.array(z.string()),
      tailer: z
        .object({
          owner: z.string(),
          leaseExpiresAt: z.string(),
          checkpoint: z
            .object({
              file: z.string(),
              position: z.number(),
              gtid: z.string().optional(),
              updatedAt: z.string(),
            })
            .optional(),
        })
        .nullable(),
    }),
    precheck: z
      .object({ passed: z.boolean(), counts, finishedAt: z.string(), problems: z.array(check) })
      .nullable(),
    position: position.extend({ capturedAt: z.string() }).nullish(),
    schema: z
      .object({ tables: z.array(z.string()), notes: z.array(z.string()), completedAt: z.string().nullable() })
      .nullable(),
    fullLoad: z
      .object({
        percent: z.number(),
        rowsCopied: z.number(),
        estimatedRows: z.number(),
        chunks: z.number(),
        chunksDone: z.number(),
        rowsPerSecond: z.number(),
        startedAt: z.string(),
        completedAt: z.string().nullable(),
        tables: z.array(
          z.object({
            table: z.string(),
            chunks: z.number(),
            chunksDone: z.number(),
            estimatedRows: z.number(),
            rowsCopied: z.number(),
            percent: z.number(),
          }),
        ),
      })
      .nullable(),
    indexes: z
      .object({
        tables: z.number(),
        pending: z.array(z.string()),
        startedAt: z.string(),
        completedAt: z.string().nullable(),
      })
      .nullable(),
    incremental: z
      .object({
        position,
        latencyMs: z.number(),
        rowsPerSecond: z.number(),
        appliedRows: z.number(),
        updatedAt: z.string(),
        warning: z.string().optional(),
      })
      .nullable(),
    spec: z.unknown(),
  }),
)<TaskView>();

export const created = documented(
  "TaskStarted",
  "What starting (or going on with) a task did",
  z.object({
    name: z.string(),
    executionId: z.string().optional(),
    tailer: z.string().optional(),
    restarted: z.boolean(),
    message: z.string(),
  }),
)<CreatedTask>();

export const paused = documented(
  "TaskPausing",
  "What pausing a task stopped",
  z.object({
    name: z.string(),
    stopping: z.object({ executions: z.array(z.string()), tailer: z.boolean() }),
    message: z.string(),
  }),
)<StopOutcome>();

export const precheck = documented(
  "PrecheckReport",
  "Every check against the stored spec, with the fix for each that did not pass",
  z.object({ name: z.string(), passed: z.boolean(), counts, checks: z.array(check) }),
)<PrecheckOutcome>();

export const deleted = documented(
  "TaskDeleted",
  "The task's state is gone; the destination's data stays",
  z.object({ name: z.string(), message: z.string() }),
)<{ name: string; message: string }>();

export const restartBody = documented(
  "RestartRequest",
  "The confirmation that the task loads again from scratch",
  z.object({ fromScratch: z.literal(true) }),
)<{ fromScratch: true }>();

export const taskHistory = documented(
  "TaskHistory",
  "The tailer's metrics, one sample a minute, kept 24 hours, oldest first (after `since` when given)",
  z.object({
    name: z.string(),
    samples: z.array(
      z.object({
        at: z.string(),
        latencySeconds: z.number(),
        rowsPerSecond: z.number(),
        appliedRows: z.number(),
      }),
    ),
  }),
)<TaskHistory>();
