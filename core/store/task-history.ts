import type { HistorySample } from "./task-store.ts";

/*
 * The tailer's metrics history, as the task store keeps it: one sample a minute, kept 24 hours.
 * In DynamoDB the samples of one hour share an item `<task>#history#<hour>` (at most 60 compact
 * samples, under 2 KB), so a day's history is read with 25 keys, not 1440, and a TTL attribute
 * (`expiresAt`, epoch seconds) lets DynamoDB delete the item a day after its hour ended.
 */

/** The attribute DynamoDB's TTL on the tasks table reads (infra/tables.ts names it too). */
export const HISTORY_TTL_ATTRIBUTE = "expiresAt";
/** How long samples are kept (and what a read without `since` returns). */
export const HISTORY_KEEP_MS = 24 * 3600_000;
/** How often the tailer appends a sample. */
export const HISTORY_INTERVAL_MS = 60_000;
const HOUR_MS = 3600_000;

/** The hour a sample at `at` (epoch ms) belongs to, as its key says it: 2026-12-06T08. */
export const hourOf = (at: number) => new Date(Math.floor(at / HOUR_MS) * HOUR_MS).toISOString().slice(0, 13);
export const historyKey = (task: string, hour: string) => `${task}#history#${hour}`;

/** When DynamoDB may delete an hour's item (epoch seconds): a day after the hour ends. */
export const expiresAt = (at: number) =>
  Math.floor(((Math.floor(at / HOUR_MS) + 1) * HOUR_MS + HISTORY_KEEP_MS) / 1000);

/** The hours whose items may hold samples after `from` up to `to` (epoch ms), oldest first. */
export function hoursBetween(from: number, to: number): string[] {
  const hours: string[] = [];
  for (let hour = Math.floor(from / HOUR_MS); hour <= Math.floor(to / HOUR_MS); hour++)
    hours.push(hourOf(hour * HOUR_MS));
  return hours;
}

/** The oldest instant a read returns samples after: `since`, but never more than a day back. */
export const historyFloor = (now: number, since: number | undefined) =>
  Math.max(now - HISTORY_KEEP_MS, since ?? Number.NEGATIVE_INFINITY);

/** A sample as an hour item keeps it: [seconds into the hour, latency s, rows/s, applied rows]. */
export type PackedSample = [number, number, number, number];

export function packSample(sample: HistorySample): PackedSample {
  const at = Date.parse(sample.at);
  return [
    Math.floor((at % HOUR_MS) / 1000),
    round(sample.latencySeconds, 3),
    round(sample.rowsPerSecond, 1),
    Math.round(sample.appliedRows),
  ];
}

export function unpackSample(hour: string, packed: PackedSample): HistorySample {
  const [seconds, latencySeconds, rowsPerSecond, appliedRows] = packed;
  const at = Date.parse(`${hour}:00:00.000Z`) + seconds * 1000;
  return { at: new Date(at).toISOString(), latencySeconds, rowsPerSecond, appliedRows };
}

/** The samples after `floor` (epoch ms), oldest first. */
export function samplesAfter(samples: HistorySample[], floor: number): HistorySample[] {
  return samples.filter((s) => Date.parse(s.at) > floor).sort((a, b) => a.at.localeCompare(b.at));
}

/** `since` as an API query gives it (ISO time or epoch ms), or a clear error naming the fix. */
export function parseSince(value: string | undefined): number | undefined | Error {
  if (value === undefined || value === "") return undefined;
  const at = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isFinite(at)) return at;
  return new Error(
    `since=${value} is not a time: give an ISO time (2026-12-06T08:00:00Z) or epoch milliseconds, or leave it out for the last 24 hours`,
  );
}

const round = (value: number, digits: number) => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};
