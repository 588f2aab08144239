/*
 * What the in-memory stores share to behave like the DynamoDB adapters: each call yields once, as
 * a round trip would, and values go in and come out as copies without undefined attributes.
 */

export type Clock = () => number;

/** A value as a DynamoDB round trip leaves it: a deep copy without undefined attributes. */
export function stored<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(stored) as T;
  if (value instanceof Uint8Array) return Uint8Array.from(value) as T;
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return Object.fromEntries(entries.map(([k, v]) => [k, stored(v)])) as T;
}

/** One yield, as a round trip to DynamoDB: concurrent callers interleave here. */
export const roundTrip = () => new Promise<void>((resolve) => queueMicrotask(resolve));
