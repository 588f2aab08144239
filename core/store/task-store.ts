import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DeleteCommand, GetCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { FatalError } from "../errors.ts";
import { moveRefused, type Phase, PhaseMoveError, phasesInto, storedPhase } from "../model/phase.ts";
import type { BinlogPosition } from "../model/position.ts";
import type { PrecheckReport } from "../model/precheck-report.ts";
import { redactText } from "../redact.ts";
import type { TaskSpec } from "../spec/schema.ts";

/** The task as operators see it: spec, phase, precheck report, last error, timestamps. */
export interface TaskRecord {
  name: string;
  spec: TaskSpec;
  phase: Phase;
  createdAt: string;
  updatedAt: string;
  precheck?: PrecheckReport;
  lastError?: { error: string; cause: string; state?: string; at: string };
  /** Where incremental migration starts: captured before the first chunk was read. */
  position?: BinlogPosition & { capturedAt: string };
  schema?: SchemaOutcome;
  fullLoad?: FullLoadOutcome;
  /** The deferred secondary indexes, built after the full load. */
  indexes?: IndexesOutcome;
  incremental?: IncrementalOutcome;
  /**
   * The supervisor's record of the current failure streak of the task's Fargate tailer
   * (core/task/relaunch.ts): when it began, how often a stopped tailer was relaunched since, the
   * checkpoint at the last relaunch (a checkpoint that moved since ends the streak), the ECS task
   * it launched and the stopped one it replaced.
   */
  supervision?: {
    streakStartedAt: string;
    relaunches: number;
    lastRelaunchAt: string;
    checkpointAtRelaunch?: string;
    tailer?: string;
    replaced?: string;
  };
}

export interface IndexesOutcome {
  /** Tables with deferred indexes. */
  tables: number;
  startedAt: string;
  /** Tables whose build was still running (or not started) when the last BuildIndexes call ended. */
  pending: string[];
  completedAt?: string;
}

export interface IncrementalOutcome {
  position: BinlogPosition;
  latencyMs: number;
  rowsPerSecond: number;
  appliedRows: number;
  updatedAt: string;
}

export interface SchemaOutcome {
  /** Destination tables this task created (database.table); precheck does not count them as conflicts. */
  createdTables: string[];
  /** What was left out or changed, for the user. */
  notes: string[];
  /** Secondary indexes to build after the full load: destination table (db.table) and clauses. */
  /** `table` is database.table for display; `database` and `name` are the names themselves. */
  deferredIndexes?: {
    table: string;
    database?: string;
    name?: string;
    indexes: { name: string; clause: string }[];
  }[];
  /** Absent until the schema step ends (again, after a restart from scratch, which keeps createdTables). */
  completedAt?: string;
}

export interface FullLoadOutcome {
  /** Identifies the plan in the chunk ledger; a resumed run reuses a plan with the same id. */
  planId: string;
  chunks: number;
  estimatedRows: number;
  startedAt: string;
  completedAt?: string;
  rows?: number;
}

export type OutcomeField =
  | "precheck"
  | "position"
  | "schema"
  | "fullLoad"
  | "indexes"
  | "incremental"
  | "supervision";

/**
 * The task store port: one module owns how tasks are kept. Every write but saveSpec is to an
 * existing task (FatalError otherwise).
 */
export interface TaskStore {
  /**
   * Creates the task (phase "created"), or replaces the spec of an existing one: its phase,
   * outcomes and createdAt stay, its last error goes.
   */
  saveSpec(spec: TaskSpec): Promise<TaskRecord>;
  get(name: string): Promise<TaskRecord | undefined>;
  /** Every task, by name. */
  list(): Promise<TaskRecord[]>;
  /**
   * Moves the task to `phase`; PhaseMoveError when its phase now does not allow that move
   * (core/model/phase.ts), so a step still running after a pause cannot move the task on.
   */
  setPhase(name: string, phase: Phase): Promise<void>;
  /** Stores the report; the phase becomes "prechecked" or "precheck-failed" (a move, as above). */
  savePrecheck(name: string, report: PrecheckReport): Promise<void>;
  /**
   * Stores the reason (its cause redacted) and when. An active task becomes "failed"; a paused,
   * failed or completed one keeps its phase (a step cut short by a pause fails after it).
   */
  recordFailure(name: string, failure: { error: string; cause: string; state?: string }): Promise<void>;
  /**
   * Sets one top-level field (position, schema, fullLoad, indexes, incremental) and, if given,
   * moves the phase (refused as setPhase refuses).
   */
  saveOutcome<K extends OutcomeField>(
    name: string,
    field: K,
    value: TaskRecord[K],
    phase?: Phase,
  ): Promise<void>;
  /**
   * Back to "created" for a restart from scratch: what the task did (position, full load, index
   * builds, incremental figures, last error, schema completion) is forgotten; the spec and the
   * tables the task created (so the new run may recreate them) are kept.
   */
  restart(name: string): Promise<void>;
  /** Removes the task record (the destination's data is left alone). */
  remove(name: string): Promise<void>;
}

/** The outcomes a restart from scratch forgets. */
export const RESTART_FORGETS = [
  "position",
  "fullLoad",
  "indexes",
  "incremental",
  "lastError",
  "supervision",
] as const;

export function taskMissingError(name: string): FatalError {
  return new FatalError(`no task named ${name}: dts run (or POST /tasks) creates it`);
}

/** The failure as stored: the cause never keeps credentials a URL in it carried. */
export function storedFailure(
  failure: { error: string; cause: string; state?: string },
  at: string,
): NonNullable<TaskRecord["lastError"]> {
  return { ...failure, cause: redactText(failure.cause), at };
}

/** Tasks in DynamoDB, one item per task (partition key name). */
export class DynamoTaskStore implements TaskStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async saveSpec(spec: TaskSpec): Promise<TaskRecord> {
    const now = this.timestamp();
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { name: spec.name },
        UpdateExpression:
          "SET #spec = :spec, updatedAt = :now, createdAt = if_not_exists(createdAt, :now), #phase = if_not_exists(#phase, :created) REMOVE lastError",
        ExpressionAttributeNames: { "#spec": "spec", "#phase": "phase" },
        ExpressionAttributeValues: { ":spec": spec, ":now": now, ":created": "created" },
        ReturnValues: "ALL_NEW",
      }),
    );
    return result.Attributes as TaskRecord;
  }

  async get(name: string): Promise<TaskRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { name }, ConsistentRead: true }),
    );
    const item = result.Item as TaskRecord | undefined;
    return item ? { ...item, phase: storedPhase(item.phase) } : undefined;
  }

  async list(): Promise<TaskRecord[]> {
    const items: TaskRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({ TableName: this.table, ExclusiveStartKey: start }),
      );
      for (const item of (page.Items ?? []) as TaskRecord[])
        items.push({ ...item, phase: storedPhase(item.phase) });
      start = page.LastEvaluatedKey;
    } while (start);
    return items.sort((a, b) => a.name.localeCompare(b.name));
  }

  async setPhase(name: string, phase: Phase): Promise<void> {
    await this.update(name, "SET #phase = :phase, updatedAt = :now", { ":phase": phase }, {}, phase);
  }

  async savePrecheck(name: string, report: PrecheckReport): Promise<void> {
    const phase = report.passed ? "prechecked" : "precheck-failed";
    await this.update(
      name,
      "SET #phase = :phase, precheck = :report, updatedAt = :now",
      { ":phase": phase, ":report": report },
      {},
      phase,
    );
  }

  async recordFailure(
    name: string,
    failure: { error: string; cause: string; state?: string },
  ): Promise<void> {
    const lastError = storedFailure(failure, this.timestamp());
    try {
      await this.update(
        name,
        "SET #phase = :phase, lastError = :failure, updatedAt = :now",
        { ":phase": "failed", ":failure": lastError },
        {},
        "failed",
      );
    } catch (error) {
      if (!(error instanceof PhaseMoveError)) throw error;
      await this.update(name, "SET lastError = :failure, updatedAt = :now", { ":failure": lastError });
    }
  }

  async saveOutcome<K extends OutcomeField>(
    name: string,
    field: K,
    value: TaskRecord[K],
    phase?: Phase,
  ): Promise<void> {
    const setPhase = phase ? ", #phase = :phase" : "";
    await this.update(
      name,
      `SET #field = :value, updatedAt = :now${setPhase}`,
      {
        ":value": value,
        ...(phase ? { ":phase": phase } : {}),
      },
      { "#field": field },
      phase,
    );
  }

  async restart(name: string): Promise<void> {
    const forget = RESTART_FORGETS.map((field) => `#${field}`);
    const names = Object.fromEntries(RESTART_FORGETS.map((field) => [`#${field}`, field]));
    const schema = (await this.get(name))?.schema ? ", #schema.completedAt" : "";
    await this.update(
      name,
      `SET #phase = :phase, updatedAt = :now REMOVE ${forget.join(", ")}${schema}`,
      { ":phase": "created" },
      { ...names, ...(schema ? { "#schema": "schema" } : {}) },
    );
  }

  async remove(name: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: { name } }));
  }

  /** One conditional update: the task exists and, for a move to `phase`, its phase allows it. */
  private async update(
    name: string,
    expression: string,
    values: Record<string, unknown>,
    names: Record<string, string> = {},
    phase?: Phase,
  ): Promise<void> {
    const from = phase ? phasesInto(phase) : [];
    // Records written before "paused" was a phase of its own say "stopped".
    if (from.includes("paused")) from.push("stopped" as Phase);
    const allowed = from.map((_, i) => `:from${i}`);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { name },
          UpdateExpression: expression,
          ConditionExpression: phase
            ? `attribute_exists(#name) AND #phase IN (${allowed.join(", ")})`
            : "attribute_exists(#name)",
          ExpressionAttributeNames: {
            "#name": "name",
            ...(expression.includes("#phase") || phase ? { "#phase": "phase" } : {}),
            ...names,
          },
          ExpressionAttributeValues: {
            ...values,
            ":now": this.timestamp(),
            ...Object.fromEntries(from.map((p, i) => [`:from${i}`, p])),
          },
        }),
      );
    } catch (error) {
      if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
      const current = phase ? await this.get(name) : undefined;
      if (current && phase) throw moveRefused(name, current.phase, phase);
      throw taskMissingError(name);
    }
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}
