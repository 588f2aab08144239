import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { moveRefused, type Phase, PhaseMoveError, phasesInto, storedPhase } from "../model/phase.ts";
import type { PrecheckReport } from "../model/precheck-report.ts";
import type { TaskSpec } from "../spec/schema.ts";
import { batchWrite, cancellationReasons, isConditionFailure } from "./dynamo-requests.ts";
import { appendHistoryItem, historyKeysAround, readHistory } from "./dynamo-task-history.ts";
import { batchGet, type Item, recordOf } from "./dynamo-task-items.ts";
import {
  BULKY_FIELDS,
  type BulkyField,
  incrementalKey,
  MAX_PARTS,
  packField,
  packSpec,
  partKey,
  partsAttribute,
  unpackField,
} from "./task-items.ts";
import {
  type HistorySample,
  type OutcomeField,
  RESTART_FORGETS,
  storedFailure,
  type TaskListing,
  type TaskRecord,
  type TaskStore,
  taskMissingError,
} from "./task-store.ts";

const isBulky = (field: string): field is BulkyField => (BULKY_FIELDS as readonly string[]).includes(field);

/**
 * Tasks in DynamoDB (partition key name), laid out as core/store/task-items.ts says: the task item
 * (identity, phase, spec, small outcomes, the part counts), part items for the bulky fields, one
 * small item for the tailer's incremental figures. Records written before that layout keep their
 * bulky fields and figures on the task item: they are read from there until written anew.
 */
export class DynamoTaskStore implements TaskStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async saveSpec(spec: TaskSpec): Promise<TaskRecord> {
    const packed = packSpec(spec);
    // A spec is kept plain or compressed (task-items.ts), never both.
    const [kept, dropped] = "spec" in packed ? (["spec", "specZ"] as const) : (["specZ", "spec"] as const);
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { name: spec.name },
        UpdateExpression: `SET #kept = :spec, updatedAt = :now, createdAt = if_not_exists(createdAt, :now), #phase = if_not_exists(#phase, :created) REMOVE lastError, #dropped`,
        ExpressionAttributeNames: {
          "#kept": kept,
          "#dropped": dropped,
          "#phase": "phase",
        },
        ExpressionAttributeValues: {
          ":spec": Object.values(packed)[0],
          ":now": this.timestamp(),
          ":created": "created",
        },
        ReturnValues: "ALL_NEW",
      }),
    );
    return this.assemble(result.Attributes as Item);
  }

  async get(name: string): Promise<TaskRecord | undefined> {
    const item = await this.taskItem(name);
    return item ? this.assemble(item) : undefined;
  }

  async list(): Promise<TaskListing[]> {
    const tasks: Item[] = [];
    const incremental = new Map<string, Item>();
    let start: Record<string, unknown> | undefined;
    do {
      // Part items are left out by the filter; they are compressed, so what the scan reads stays small.
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.table,
          ExclusiveStartKey: start,
          FilterExpression: "attribute_not_exists(#kind) OR #kind = :incremental",
          ExpressionAttributeNames: { "#kind": "kind" },
          ExpressionAttributeValues: { ":incremental": "incremental" },
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.kind === "incremental") incremental.set(String(item.task), item);
        else tasks.push(item);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return tasks
      .map((item) => {
        const record = recordOf(item, incremental.get(String(item.name)));
        for (const field of BULKY_FIELDS) delete record[field];
        return record as TaskListing;
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async setPhase(name: string, phase: Phase): Promise<void> {
    await this.update(name, "SET #phase = :phase, updatedAt = :now", { ":phase": phase }, {}, phase);
  }

  async savePrecheck(name: string, report: PrecheckReport): Promise<void> {
    await this.saveBulky(name, "precheck", report, report.passed ? "prechecked" : "precheck-failed");
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
    if (isBulky(field)) return this.saveBulky(name, field, value, phase);
    if (field === "incremental") return this.saveIncremental(name, value, phase);
    const setPhase = phase ? ", #phase = :phase" : "";
    await this.update(
      name,
      `SET #field = :value, updatedAt = :now${setPhase}`,
      { ":value": value, ...(phase ? { ":phase": phase } : {}) },
      { "#field": field },
      phase,
    );
  }

  async restart(name: string): Promise<void> {
    const item = await this.taskItem(name);
    if (!item) throw taskMissingError(name);
    const indexParts = this.partKeys(name, "indexes", Number(item[partsAttribute("indexes")] ?? 0), 0);
    const schema = (await this.assemble(item)).schema;
    const forget = [...RESTART_FORGETS, partsAttribute("indexes")];
    await this.update(
      name,
      `SET #phase = :phase, updatedAt = :now REMOVE ${forget.map((field) => `#${field}`).join(", ")}`,
      { ":phase": "created" },
      Object.fromEntries(forget.map((field) => [`#${field}`, field])),
    );
    await this.deleteKeys([incrementalKey(name), ...indexParts, ...this.historyKeys(name)]);
    // The tables it created are kept (the new run may recreate them); their completion is not.
    if (schema?.completedAt) {
      const { completedAt: _forgotten, ...kept } = schema;
      await this.saveBulky(name, "schema", kept);
    }
  }

  async remove(name: string): Promise<void> {
    // Every key a part may have, not only the counted ones: two writers of one field at once can
    // leave a part no count names.
    const parts = BULKY_FIELDS.flatMap((field) => this.partKeys(name, field, MAX_PARTS, 0));
    await this.deleteKeys([...parts, incrementalKey(name), ...this.historyKeys(name), name]);
  }

  async appendHistory(name: string, sample: HistorySample): Promise<void> {
    await appendHistoryItem(this.client, this.table, name, sample);
  }

  async history(name: string, since?: number): Promise<HistorySample[]> {
    return readHistory(this.client, this.table, name, this.now(), since);
  }

  private historyKeys(name: string): string[] {
    return historyKeysAround(name, this.now());
  }

  /** Every item the task occupies (task item, parts, incremental figures), as stored: for size checks. */
  async items(name: string): Promise<Item[]> {
    const item = await this.taskItem(name);
    if (!item) return [];
    return [item, ...(await batchGet(this.client, this.table, this.auxiliaryKeys(item))).values()];
  }

  /**
   * Writes a bulky field's parts and their count on the task item in one transaction, conditional
   * as `update` (the task exists, the phase allows the move), so a refused write leaves nothing
   * behind and a reader never meets a count without its parts. Parts left over by a longer value
   * are deleted after.
   */
  private async saveBulky(name: string, field: BulkyField, value: unknown, phase?: Phase): Promise<void> {
    const before = await this.partCount(name, field);
    const parts = value === undefined ? [] : packField(name, field, value);
    const setPhase = phase ? ", #phase = :phase" : "";
    const update = this.updateInput(
      name,
      `SET #count = :count, updatedAt = :now${setPhase} REMOVE #field`,
      { ":count": parts.length, ...(phase ? { ":phase": phase } : {}) },
      { "#count": partsAttribute(field), "#field": field },
      phase,
    );
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            ...parts.map((part) => ({ Put: { TableName: this.table, Item: part } })),
            { Update: update },
          ],
        }),
      );
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.[parts.length] !== "ConditionalCheckFailed") throw error;
      throw await this.refusal(name, phase);
    }
    if (before > parts.length) await this.deleteKeys(this.partKeys(name, field, before, parts.length));
  }

  /**
   * The tailer's figures, once a second: a small item of their own, so the write costs one unit
   * whatever the task's size. Replaced only while it exists; the first write checks the task does.
   */
  private async saveIncremental(name: string, value: unknown, phase?: Phase): Promise<void> {
    if (phase) await this.setPhase(name, phase);
    const item = {
      name: incrementalKey(name),
      kind: "incremental",
      task: name,
      incremental: value,
      updatedAt: this.timestamp(),
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: "attribute_exists(#name)",
          ExpressionAttributeNames: { "#name": "name" },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      if (!(await this.taskItem(name, "#name"))) throw taskMissingError(name);
      await this.client.send(new PutCommand({ TableName: this.table, Item: item }));
    }
  }

  /** The record from the task item and the items beside it. */
  private async assemble(item: Item): Promise<TaskRecord> {
    const name = String(item.name);
    const aux = await batchGet(this.client, this.table, this.auxiliaryKeys(item));
    const record = recordOf(item, aux.get(incrementalKey(name)));
    for (const field of BULKY_FIELDS) {
      const count = Number(item[partsAttribute(field)] ?? 0);
      if (count === 0) continue;
      const parts = this.partKeys(name, field, count, 0).map((key) => aux.get(key));
      // Written in one transaction with the count: a part is missing only if deleted by hand.
      if (parts.every((p) => p !== undefined))
        Object.assign(record, { [field]: unpackField(parts as { data: Uint8Array }[]) });
    }
    return record;
  }

  private auxiliaryKeys(item: Item): string[] {
    const name = String(item.name);
    const parts = BULKY_FIELDS.flatMap((field) =>
      this.partKeys(name, field, Number(item[partsAttribute(field)] ?? 0), 0),
    );
    return [incrementalKey(name), ...parts];
  }

  /** Keys of the parts `from` up to `count` (exclusive) of a field. */
  private partKeys(name: string, field: BulkyField, count: number, from: number): string[] {
    return Array.from({ length: Math.max(0, count - from) }, (_, i) => partKey(name, field, from + i));
  }

  private async partCount(name: string, field: BulkyField): Promise<number> {
    const item = await this.taskItem(name, "#count", { "#count": partsAttribute(field) });
    return Number(item?.[partsAttribute(field)] ?? 0);
  }

  private async taskItem(
    name: string,
    projection?: string,
    names: Record<string, string> = {},
  ): Promise<Item | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { name },
        ConsistentRead: true,
        ...(projection
          ? {
              ProjectionExpression: projection.includes("#name") ? projection : `#name, ${projection}`,
              ExpressionAttributeNames: { "#name": "name", ...names },
            }
          : {}),
      }),
    );
    return result.Item;
  }

  private deleteKeys(keys: string[]): Promise<void> {
    return batchWrite(
      this.client,
      this.table,
      keys.map((name) => ({ DeleteRequest: { Key: { name } } })),
    );
  }

  /** One conditional update: the task exists and, for a move to `phase`, its phase allows it. */
  private async update(
    name: string,
    expression: string,
    values: Record<string, unknown>,
    names: Record<string, string> = {},
    phase?: Phase,
  ): Promise<void> {
    try {
      await this.client.send(new UpdateCommand(this.updateInput(name, expression, values, names, phase)));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw await this.refusal(name, phase);
    }
  }

  private updateInput(
    name: string,
    expression: string,
    values: Record<string, unknown>,
    names: Record<string, string>,
    phase?: Phase,
  ) {
    const from = phase ? phasesInto(phase) : [];
    // Records written before "paused" was a phase of its own say "stopped".
    if (from.includes("paused")) from.push("stopped" as Phase);
    const allowed = from.map((_, i) => `:from${i}`);
    return {
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
    };
  }

  /** Why a conditional write was refused: the phase does not allow the move, or there is no such task. */
  private async refusal(name: string, phase?: Phase): Promise<Error> {
    const current = phase ? await this.taskItem(name, "#phase", { "#phase": "phase" }) : undefined;
    if (current && phase) return moveRefused(name, storedPhase(current.phase as Phase), phase);
    return taskMissingError(name);
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}
