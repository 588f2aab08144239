import { DtsError } from "../errors.ts";

/**
 * The phases of a task and the moves between them, written down once. The task stores enforce
 * the moves (a write that would make an illegal move is refused), so a paused task is not moved
 * on by a step that was still running, and a completed one is never loaded again by accident.
 *
 *   created -> prechecking -> prechecked -> schema -> full-load -> building-indexes -> incremental
 *                  |  \-> precheck-failed                                                 |
 *                  |                                     (any active phase) -> paused <----+
 *                  |                                     (any active phase) -> failed
 *                  \---------- (the last selected phase ends) -> completed
 *
 * `dts resume` moves a paused or failed task on from where it stopped (core/task/lifecycle.ts
 * decides how); `dts restart --from-scratch` is the only way back to created.
 */
export const PHASES = [
  "created",
  "prechecking",
  "precheck-failed",
  "prechecked",
  "schema",
  "full-load",
  "building-indexes",
  "incremental",
  "paused",
  "completed",
  "failed",
] as const;

export type Phase = (typeof PHASES)[number];

/** Phases in which a step of the task may be running. */
export const ACTIVE_PHASES: readonly Phase[] = [
  "created",
  "prechecking",
  "prechecked",
  "schema",
  "full-load",
  "building-indexes",
  "incremental",
];

/**
 * For each phase, the phases a task may move into it from. A phase may always be set again
 * (a step retried). Back to created is a restart from scratch (TaskStore.restart), not a move.
 */
const INTO: Record<Phase, readonly Phase[]> = {
  created: [],
  // A first run, a run after a failed precheck, or a task run again (resumed, or an execution
  // started from the console): every step keeps what it recorded (core/task/lifecycle.ts).
  prechecking: [...ACTIVE_PHASES.filter((p) => p !== "prechecking"), "precheck-failed", "paused", "failed"],
  prechecked: ["prechecking"],
  "precheck-failed": ["prechecking"],
  schema: ["prechecked"],
  "full-load": ["prechecked", "schema"],
  "building-indexes": ["full-load"],
  // From the steps before it (StartTailer), or resumed: a paused or failed task's tailer goes on.
  incremental: ["prechecked", "schema", "full-load", "building-indexes", "paused", "failed"],
  paused: ACTIVE_PHASES,
  completed: ["prechecked", "schema", "full-load", "building-indexes"],
  failed: ACTIVE_PHASES,
};

/** Whether a task in phase `from` may move to `to`. */
export function canMove(from: Phase, to: Phase): boolean {
  return from === to || INTO[to].includes(from);
}

/** The phases a task may be in for a move to `to` (including `to` itself). */
export function phasesInto(to: Phase): Phase[] {
  return [to, ...INTO[to]];
}

/**
 * A phase as stored: "stopped" is what a paused task was called before pausing was a command of
 * its own; records written then still carry it.
 */
export function storedPhase(value: string): Phase {
  if (value === "stopped") return "paused";
  return (PHASES as readonly string[]).includes(value) ? (value as Phase) : "failed";
}

/** A step tried to move a task where its phase does not allow (it was paused meanwhile, say). */
export class PhaseMoveError extends DtsError {}

/** What a refused move says: the phase the task is in, and what goes on with it. */
export function moveRefused(task: string, from: Phase, to: Phase): PhaseMoveError {
  const next =
    from === "completed"
      ? `\`dts restart ${task} --from-scratch\` runs it again`
      : from === "paused" || from === "failed"
        ? `\`dts resume ${task}\` goes on with it`
        : `\`dts status ${task}\` shows it`;
  return new PhaseMoveError(`task ${task} is ${from}: it cannot move to ${to} (${next})`);
}
