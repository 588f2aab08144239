/**
 * Whether a task's tailer is alive, decided in one place: the CLI (`dts run`, `dts stop`), the
 * API's view and its 409s, and the task service all ask this. A tailer is alive while it holds the
 * task's lease in the checkpoint store: the lease has an owner and expires after `now`. At
 * `expiresAt` itself it no longer counts (its holder must have stopped writing before then); the
 * store lets another tailer take the lease a millisecond later (core/store/checkpoint-store.ts).
 *
 * Whether a local tailer's process still exists is the local launcher's question
 * (core/adapters/tailer-launcher.ts), not this one: a process may live on without the lease
 * (reconnecting, or fenced), and in AWS there is no process to look at.
 */

/** The lease fields of a checkpoint record (core/store's CheckpointRecord has them). */
export interface LeaseState {
  owner?: string | undefined;
  expiresAt?: number | undefined;
}

/** A lease whose tailer is alive: it names its owner and when it expires. */
export type LiveLease<T extends LeaseState> = T & { owner: string; expiresAt: number };

/** True when the lease `state` is held by a live tailer at `now` (epoch milliseconds). */
export function tailerAlive<T extends LeaseState>(state: T | undefined, now: number): state is LiveLease<T> {
  return Boolean(state?.owner) && (state?.expiresAt ?? 0) > now;
}
