/**
 * The phases a task record can be in. The state machine moves a task forward; a failure in any
 * phase moves it to "failed" with the reason stored on the task.
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
