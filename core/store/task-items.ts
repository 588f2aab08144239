import { gunzipSync, gzipSync } from "node:zlib";
import { FatalError } from "../errors.ts";
import type { TaskSpec } from "../spec/schema.ts";
import type { BulkyField, TaskRecord } from "./task-store.ts";

export type { BulkyField };

/*
 * How a task record is laid out in DynamoDB items, shared by the adapter (task-store.ts) and the
 * in-memory fake (memory.ts). One item holds the task's identity, phase, spec and small outcomes;
 * the fields that grow with the number of tables (precheck report, schema outcome, index builds)
 * live gzip-compressed in part items of their own, and the tailer's once-a-second figures in a
 * small incremental item, so no write pays for the whole record and no item nears 400 KB.
 * Task names cannot hold '#' (core/spec/schema.ts), so these keys never meet a task's.
 */

/** DynamoDB's item size limit. */
export const ITEM_LIMIT_BYTES = 400 * 1024;
/** The fields kept in part items: each grows with the number of tables. */
export const BULKY_FIELDS: readonly BulkyField[] = ["precheck", "schema", "indexes"];
/** Compressed bytes per part item: well under the item limit with the key and attribute names. */
export const PART_BYTES = 300 * 1024;
/** A spec above this (as JSON) is stored compressed: specs listing thousands of tables compress ~10x. */
export const SPEC_INLINE_BYTES = 64 * 1024;
/** The most a compressed spec may take of the task item, leaving room for the outcomes beside it. */
export const SPEC_LIMIT_BYTES = 300 * 1024;
/** A field is written in one transaction (4 MB at most): at most this many parts (3.6 MB compressed, ~40 MB of JSON). */
export const MAX_PARTS = 12;

/** The attribute holding the number of part items of `field` on the task item. */
export const partsAttribute = (field: BulkyField) => `${field}Parts`;
export const partKey = (task: string, field: BulkyField, index: number) => `${task}#${field}#${index}`;
export const incrementalKey = (task: string) => `${task}#incremental`;

/** A part item: one piece of a field's compressed JSON. */
export type PartItem = {
  name: string;
  kind: "part";
  task: string;
  data: Uint8Array;
};

/** The pieces of a bulky field's value, compressed: their count goes on the task item. */
export function packField(task: string, field: BulkyField, value: unknown): PartItem[] {
  const packed = gzipSync(JSON.stringify(value));
  const count = Math.max(1, Math.ceil(packed.length / PART_BYTES));
  if (count > MAX_PARTS)
    throw new FatalError(
      `task ${task}: its ${field} record is ${kib(packed.length)} compressed, more than the ${kib(MAX_PARTS * PART_BYTES)} the task store keeps per field: split the task's tables over several tasks`,
    );
  return Array.from({ length: count }, (_, i) => ({
    name: partKey(task, field, i),
    kind: "part" as const,
    task,
    data: new Uint8Array(packed.subarray(i * PART_BYTES, (i + 1) * PART_BYTES)),
  }));
}

/** A bulky field's value from its part items, in order. */
export function unpackField(parts: { data: Uint8Array }[]): unknown {
  return JSON.parse(gunzipSync(Buffer.concat(parts.map((p) => p.data))).toString("utf8"));
}

/** The spec as the task item stores it: as is, or compressed when large. */
export function packSpec(spec: TaskSpec): { spec: TaskSpec } | { specZ: Uint8Array } {
  const json = JSON.stringify(spec);
  if (Buffer.byteLength(json) <= SPEC_INLINE_BYTES) return { spec };
  const packed = gzipSync(json);
  if (packed.length > SPEC_LIMIT_BYTES)
    throw new FatalError(
      `the spec of task ${spec.name} is ${kib(packed.length)} even compressed; a DynamoDB item holds at most 400 KB and the task's spec may use ${kib(SPEC_LIMIT_BYTES)} of it: select whole databases (leave objects[].tables out) instead of listing every table, or split the tables over several tasks`,
    );
  return { specZ: new Uint8Array(packed) };
}

/** The spec of a stored task item (compressed or not). */
export function unpackSpec(item: { spec?: TaskSpec; specZ?: Uint8Array }): TaskSpec {
  if (item.specZ) return JSON.parse(gunzipSync(item.specZ).toString("utf8")) as TaskSpec;
  return item.spec as TaskSpec;
}

/** The items a record takes in this layout: the task item, its parts, its incremental item. */
export function taskItems(record: TaskRecord): Record<string, unknown>[] {
  const { spec, incremental, precheck, schema, indexes, ...small } = record;
  const bulky = { precheck, schema, indexes };
  const parts = BULKY_FIELDS.flatMap((field) =>
    bulky[field] === undefined ? [] : packField(record.name, field, bulky[field]),
  );
  const counts = Object.fromEntries(
    BULKY_FIELDS.map((field) => [
      partsAttribute(field),
      parts.filter((p) => p.name.startsWith(`${record.name}#${field}#`)).length,
    ]),
  );
  const task = { ...small, ...packSpec(spec), ...counts };
  const figures = incremental && {
    name: incrementalKey(record.name),
    kind: "incremental",
    task: record.name,
    incremental,
    updatedAt: record.updatedAt,
  };
  return [task, ...parts, ...(figures ? [figures] : [])];
}

const kib = (bytes: number) => `${Math.ceil(bytes / 1024)} KB`;

/**
 * The size DynamoDB counts for an item: attribute names plus values (strings as UTF-8, numbers
 * by their digits, binaries by length, maps and lists with their per-element overhead).
 */
export function itemBytes(item: Record<string, unknown>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value !== undefined) total += Buffer.byteLength(name) + valueBytes(value);
  }
  return total;
}

function valueBytes(value: unknown): number {
  if (value === null || typeof value === "boolean") return 1;
  if (typeof value === "string") return Buffer.byteLength(value);
  if (typeof value === "number")
    return Math.ceil(String(Math.abs(value)).replace(/[.-]/g, "").length / 2) + 1;
  if (value instanceof Uint8Array) return value.length;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + valueBytes(v), 0);
  if (typeof value === "object")
    return 3 + itemBytes(value as Record<string, unknown>) + Object.keys(value).length;
  return 0;
}
