import { moveRefused, type Phase } from "../model/phase.ts";

/** A tailer just launched, or found running (`alreadyRunning`): its process id or ECS task ARN. */
export interface LaunchedTailer {
  mode: "local" | "ecs";
  id: string;
  alreadyRunning: boolean;
}

/**
 * Starts the long-running tailer of a task: a Fargate task in AWS, a child process locally
 * (core/adapters/tailer-launcher.ts). A launcher that can see its tailer running leaves it alone.
 */
export interface TailerLauncher {
  /**
   * `launchKey` names this launch (the execution that starts the tailer, the stopped tailer it
   * replaces): a launch repeated with the same key (a retried step, an event delivered twice)
   * starts no second tailer where the launcher can tell (ECS RunTask's clientToken).
   */
  launch(task: string, launchKey?: string): Promise<LaunchedTailer>;
}

/** What starting a tailer writes: the stop flag in the checkpoint store, the task's phase. */
export interface TailerStartPorts {
  checkpoints: { clearStop(task: string): Promise<void> };
  store: {
    get(name: string): Promise<{ phase: Phase } | undefined>;
    setPhase(name: string, phase: Phase): Promise<void>;
  };
  launcher: TailerLauncher;
}

/**
 * (Re)starts the incremental phase of a task, the one way every caller does it (the StartTailer
 * state, `dts resume` of a task past its full load): an earlier `dts pause` is withdrawn first
 * (a stop asked for after this, while the tailer starts, is kept), the tailer is launched, and the
 * task is in phase incremental. The tailer goes on from the task's checkpoint, else from the
 * position captured before the full load.
 */
export async function startTailer(
  task: string,
  ports: TailerStartPorts,
  by: "execution" | "resume",
  launchKey?: string,
): Promise<LaunchedTailer> {
  // The StartTailer step of an execution that was paused meanwhile does not undo the pause.
  const phase = (await ports.store.get(task))?.phase;
  if (by === "execution" && phase && (phase === "paused" || phase === "failed"))
    throw moveRefused(task, phase, "incremental");
  await ports.checkpoints.clearStop(task);
  const launched = await ports.launcher.launch(task, launchKey);
  await ports.store.setPhase(task, "incremental");
  return launched;
}
