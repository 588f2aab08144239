import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { GetCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { FatalError } from "../errors.ts";
import type { BinlogPosition } from "../model/position.ts";
import type { PrecheckReport } from "../precheck/types.ts";
import { redactText } from "../redact.ts";
import type { TaskSpec } from "../spec/schema.ts";
import type { Phase } from "../task/phases.ts";

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
  completedAt: string;
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

export type OutcomeField = "position" | "schema" | "fullLoad" | "indexes" | "incremental";

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
  setPhase(name: string, phase: Phase): Promise<void>;
  /** Stores the report; the phase becomes "prechecked" or "precheck-failed". */
  savePrecheck(name: string, report: PrecheckReport): Promise<void>;
  /** Phase "failed" with the reason (its cause redacted) and when. */
  recordFailure(name: string, failure: { error: string; cause: string; state?: string }): Promise<void>;
  /** Sets one top-level field (position, schema, fullLoad, indexes, incremental) and optionally the phase. */
  saveOutcome<K extends OutcomeField>(
    name: string,
    field: K,
    value: TaskRecord[K],
    phase?: Phase,
  ): Promise<void>;
}

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
    return result.Item as TaskRecord | undefined;
  }

  async list(): Promise<TaskRecord[]> {
    const items: TaskRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({ TableName: this.table, ExclusiveStartKey: start }),
      );
      items.push(...((page.Items ?? []) as TaskRecord[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items.sort((a, b) => a.name.localeCompare(b.name));
  }

  async setPhase(name: string, phase: Phase): Promise<void> {
    await this.update(name, "SET #phase = :phase, updatedAt = :now", { ":phase": phase });
  }

  async savePrecheck(name: string, report: PrecheckReport): Promise<void> {
    await this.update(name, "SET #phase = :phase, precheck = :report, updatedAt = :now", {
      ":phase": report.passed ? "prechecked" : "precheck-failed",
      ":report": report,
    });
  }

  async recordFailure(
    name: string,
    failure: { error: string; cause: string; state?: string },
  ): Promise<void> {
    await this.update(name, "SET #phase = :phase, lastError = :failure, updatedAt = :now", {
      ":phase": "failed",
      ":failure": storedFailure(failure, this.timestamp()),
    });
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
    );
  }

  private async update(
    name: string,
    expression: string,
    values: Record<string, unknown>,
    names: Record<string, string> = {},
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { name },
          UpdateExpression: expression,
          ConditionExpression: "attribute_exists(#name)",
          ExpressionAttributeNames: {
            "#name": "name",
            ...(expression.includes("#phase") ? { "#phase": "phase" } : {}),
            ...names,
          },
          ExpressionAttributeValues: { ...values, ":now": this.timestamp() },
        }),
      );
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") throw taskMissingError(name);
      throw error;
    }
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}
