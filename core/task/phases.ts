/**
 * The phases a task record can be in. The state machine moves a task forward; a failure in any
 * phase moves it to "failed" with the reason stored on the task. The moves below describe the
 * state machine; callers do not check them yet (the task lifecycle issue makes one module enforce
 * them for the CLI, the API, the handlers and the tailer).
 *
 *   created -> prechecking -> prechecked -> schema -> full-load -> incremental -> stopped
 *                    \-> precheck-failed       (any phase) -> failed
 */
export const PHASES = [
  "created",
  "prechecking",
  "precheck-failed",
  "prechecked",
  "schema",
  "full-load",
  "incremental",
  "stopped",
  "completed",
  "failed",
] as const;

export type Phase = (typeof PHASES)[number];

const NEXT: Record<Phase, readonly Phase[]> = {
  created: ["prechecking"],
  prechecking: ["prechecked", "precheck-failed"],
  "precheck-failed": ["prechecking"],
  prechecked: ["prechecking", "schema", "full-load", "incremental", "completed"],
  schema: ["full-load", "incremental", "completed"],
  "full-load": ["incremental", "completed"],
  incremental: ["stopped"],
  stopped: ["prechecking", "incremental"],
  completed: ["prechecking"],
  failed: ["prechecking"],
};

/** True when a task in `from` may move to `to` (any phase may fail). */
export function canMove(from: Phase, to: Phase): boolean {
  return to === "failed" || NEXT[from].includes(to);
}
