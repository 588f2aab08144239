import { emfLine } from "../incremental/metrics.ts";
import { PhaseMoveError } from "../model/phase.ts";
import type { CheckpointRecord, CheckpointStore } from "../store/checkpoint-store.ts";
import type { TaskRecord, TaskStore } from "../store/task-store.ts";
import { type LaunchedTailer, startTailer, type TailerLauncher } from "./tailer-start.ts";
import { tailerAlive } from "./tailer-state.ts";

/*
 * Supervision of the tailers in AWS: what to do when ECS reports that a tailer's Fargate task
 * stopped. The ECS launcher (core/adapters/tailer-launcher.ts) calls RunTask once; nothing else
 * starts a tailer that died. An EventBridge rule hands every stopped task of the tailer's task
 * definition to functions/relaunch-tailer, which asks `answerStoppedTailer` here. The rules are
 * `decideRelaunch`'s, and docs/deploy.md ("When a tailer dies") tells them to operators.
 */

/** An EventBridge "ECS Task State Change" event, as far as supervision reads it. */
export interface EcsTaskStateChange {
  source?: string;
  "detail-type"?: string;
  time?: string;
  detail?: {
    clusterArn?: string;
    taskArn?: string;
    taskDefinitionArn?: string;
    lastStatus?: string;
    stopCode?: string;
    stoppedReason?: string;
    stoppingAt?: string;
    stoppedAt?: string;
    containers?: { name?: string; exitCode?: number; reason?: string }[];
    overrides?: {
      containerOverrides?: { name?: string; environment?: { name?: string; value?: string }[] }[];
    };
  };
}

/** Where this stack's tailers run: the ECS launcher's cluster and task definition. */
export interface SupervisedTailers {
  cluster: string;
  taskDefinition: string;
}

/** A tailer of this stack whose Fargate task stopped. */
export interface StoppedTailer {
  /** The migration task it ran (DTS_TASK of its container). */
  task: string;
  /** The stopped ECS task. */
  taskArn: string;
  /** ECS's stop code: EssentialContainerExited, TaskFailedToStart, UserInitiated, SpotInterruption, ... */
  stopCode: string | undefined;
  /** What ECS and the container say about the stop, e.g. "OutOfMemoryError: Container killed ...". */
  stoppedReason: string;
  /** The container's exit code; none when it never ran. */
  exitCode: number | undefined;
  /** When ECS recorded the stop (epoch milliseconds). */
  stoppedAt: number | undefined;
}

/** The container the launcher's RunTask overrides name (infra/tailer-service.ts TAILER_CONTAINER). */
const TAILER_CONTAINER = "tailer";
/** The tailer exits with 3 when another tailer holds the task's lease (container/main.ts). */
const FENCED_EXIT = 3;
/** How far the tailer's clock and ECS's stop time may disagree (both are NTP-synced in AWS). */
const CLOCK_TOLERANCE_MS = 2000;

/** The family of a task definition ARN (or of "family:revision", or a family). */
function family(taskDefinition: string): string {
  const name = taskDefinition.includes("task-definition/")
    ? taskDefinition.slice(taskDefinition.indexOf("task-definition/") + "task-definition/".length)
    : taskDefinition;
  return name.replace(/:\d+$/, "");
}

function sameCluster(arn: string | undefined, configured: string): boolean {
  return arn !== undefined && (arn === configured || arn.endsWith(`:cluster/${configured}`));
}

function epoch(time: string | undefined): number | undefined {
  const ms = time === undefined ? Number.NaN : Date.parse(time);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The stopped tailer an event is about, or why the event is none of supervision's business: not a
 * stopped task, another cluster or task definition, or a task without DTS_TASK.
 */
export function readStoppedTailer(
  event: EcsTaskStateChange,
  tailers: SupervisedTailers,
): { tailer: StoppedTailer } | { ignored: string } {
  const detail = event.detail;
  if (event["detail-type"] !== "ECS Task State Change" || detail?.lastStatus !== "STOPPED" || !detail.taskArn)
    return { ignored: "not a stopped ECS task" };
  if (!sameCluster(detail.clusterArn, tailers.cluster))
    return { ignored: `task ${detail.taskArn} ran in another cluster (${detail.clusterArn})` };
  const expected = family(tailers.taskDefinition);
  if (!detail.taskDefinitionArn || family(detail.taskDefinitionArn) !== expected)
    return { ignored: `task ${detail.taskArn} is not a tailer (task definition family ${expected})` };
  const environment = detail.overrides?.containerOverrides?.find(
    (c) => c.name === TAILER_CONTAINER,
  )?.environment;
  const task = environment?.find((v) => v.name === "DTS_TASK")?.value;
  if (!task) return { ignored: `task ${detail.taskArn} names no migration task (DTS_TASK)` };
  const containers = detail.containers ?? [];
  const container = containers.find((c) => c.name === TAILER_CONTAINER) ?? containers[0];
  const reasons = [detail.stoppedReason, container?.reason].filter((r): r is string => Boolean(r));
  return {
    tailer: {
      task,
      taskArn: detail.taskArn,
      stopCode: detail.stopCode,
      stoppedReason: reasons.join("; ") || "no reason given",
      exitCode: container?.exitCode ?? undefined,
      stoppedAt: epoch(detail.stoppedAt) ?? epoch(detail.stoppingAt) ?? epoch(event.time),
    },
  };
}

/** What supervision knows when it decides. */
export interface RelaunchFacts {
  stop: StoppedTailer;
  task: Pick<TaskRecord, "phase" | "spec" | "supervision"> | undefined;
  checkpoint: CheckpointRecord | undefined;
  /** Epoch milliseconds. */
  now: number;
  /** The lease TTL the tailers run with (core/config.ts DTS_LEASE_TTL_MS). */
  leaseTtlMs: number;
}

/** The failure streak a relaunch belongs to. */
export interface TailerStreak {
  startedAt: string;
  /** Relaunches in the streak, this one included. */
  relaunches: number;
  /** The checkpoint (its updatedAt) the relaunched tailer starts from, if the task has one. */
  checkpoint: string | undefined;
}

export type RelaunchDecision =
  | { action: "relaunch"; reason: string; streak: TailerStreak }
  | { action: "give-up"; reason: string; failure: { error: string; cause: string; state: string } }
  | { action: "leave"; reason: string };

/** The stop in words: code, exit code, reason. */
export function describeStop(stop: StoppedTailer): string {
  const exit = stop.exitCode === undefined ? "no exit code" : `exit ${stop.exitCode}`;
  return `${stop.stopCode ?? "no stop code"}, ${exit}: ${stop.stoppedReason}`;
}

/**
 * Whether a stopped tailer is relaunched. Never when: the task is gone, this stop was answered
 * already (EventBridge may deliver an event twice, ECS sends more than one STOPPED event), the
 * tailer was fenced (exit 3: another tailer holds the task), a stop was asked for (`dts pause`),
 * the task is not in phase incremental (paused, failed, completed, ...), the tailer ended in order
 * (exit 0: paused), or another tailer holds a lease taken or renewed after this one stopped.
 * Otherwise (a crash, OOM, a failed start, a signal without a pause: Spot, task retirement,
 * StopTask; container/main.ts exits 143 then) it is relaunched while the failure streak is younger
 * than the task's retry window. A streak goes on only through tailers supervision launched that
 * did not move the checkpoint. After the window the task fails with the reason; `dts resume` goes
 * on from the checkpoint.
 */
export function decideRelaunch(facts: RelaunchFacts): RelaunchDecision {
  const { stop, task, checkpoint, now } = facts;
  const leave = (reason: string): RelaunchDecision => ({ action: "leave", reason });
  const name = stop.task;
  if (!task) return leave(`no task named ${name}`);
  const supervision = task.supervision;
  if (supervision?.replaced === stop.taskArn)
    return leave(`this stop of ${name}'s tailer was answered already`);
  if (stop.exitCode === FENCED_EXIT)
    return leave(`the tailer was fenced (exit 3): another tailer holds ${name}`);
  if (checkpoint?.stopRequested) return leave(`a stop of ${name} was asked for (dts pause)`);
  if (task.phase !== "incremental")
    return leave(
      `task ${name} is ${task.phase}: only a tailer of a task in incremental migration is relaunched`,
    );
  if (stop.exitCode === 0) return leave(`the tailer of ${name} ended in order (${describeStop(stop)})`);
  // A lease that runs out later than this tailer's last one could have was taken or renewed since.
  const lastOwnExpiry = (stop.stoppedAt ?? now) + facts.leaseTtlMs + CLOCK_TOLERANCE_MS;
  if (tailerAlive(checkpoint, now) && checkpoint.expiresAt > lastOwnExpiry)
    return leave(
      `another tailer (${checkpoint.owner}) holds ${name}, until ${new Date(checkpoint.expiresAt).toISOString()}`,
    );

  const marker = checkpoint?.checkpoint?.updatedAt;
  const streak =
    supervision?.tailer === stop.taskArn && supervision.checkpointAtRelaunch === marker
      ? supervision
      : undefined;
  const startedAt = streak?.streakStartedAt ?? new Date(now).toISOString();
  const minutes = task.spec.retryWindowMinutes;
  if (now < Date.parse(startedAt) + minutes * 60_000) {
    const relaunches = (streak?.relaunches ?? 0) + 1;
    return {
      action: "relaunch",
      reason: `the tailer of ${name} stopped (${describeStop(stop)}): relaunch ${relaunches} since ${startedAt}, within the retry window of ${minutes} minutes`,
      streak: { startedAt, relaunches, checkpoint: marker },
    };
  }
  return {
    action: "give-up",
    reason: `the tailer of ${name} kept stopping for longer than the retry window of ${minutes} minutes`,
    failure: {
      error: "TailerKeptStopping",
      cause: `the tailer kept stopping without moving the checkpoint: relaunched ${streak?.relaunches ?? 0} times since ${startedAt}, longer than the retry window of ${minutes} minutes; the last stop: ${describeStop(stop)}. The tailer's log (TailerLogGroup) says why; \`dts resume ${name}\` goes on from the checkpoint`,
      state: "Tailer",
    },
  };
}

/**
 * The metric (namespace DTS, dimension sets [["Task"], []]) counting tailers that stopped when
 * nothing asked them to: each stop supervision relaunches or gives up on. infra/monitoring.ts
 * alarms on it under the same name.
 */
export const TAILER_STOPPED_METRIC = "TailerStoppedUnexpectedly";

/** An unexpected stop as a CloudWatch embedded metric format line. */
export function stoppedTailerMetricsLine(task: string, now: number): string {
  return emfLine(task, { [TAILER_STOPPED_METRIC]: { value: 1, unit: "Count" } }, now);
}

/** What answering a stopped tailer needs: the stores, the ECS launcher and where tailers run. */
export interface RelaunchPorts {
  store: Pick<TaskStore, "get" | "setPhase" | "recordFailure" | "saveOutcome">;
  checkpoints: Pick<CheckpointStore, "read" | "clearStop">;
  launcher: TailerLauncher;
  tailers: SupervisedTailers;
  leaseTtlMs: number;
  /** Epoch milliseconds now. */
  clock: () => number;
  /**
   * Told of every stop decided unexpected (relaunched or given up on), before the relaunch is
   * tried: a relaunch that fails still counts. An event delivered again may count twice.
   */
  stoppedUnexpectedly?: (task: string, decision: "relaunch" | "give-up") => void;
}

export interface RelaunchOutcome {
  action: RelaunchDecision["action"];
  task?: string;
  reason: string;
  /** The relaunched tailer (its ECS task ARN). */
  tailer?: string;
}

/**
 * Answers an "ECS Task State Change" event: reads the task and its checkpoint, decides
 * (`decideRelaunch`), and relaunches the tailer the way StartTailer starts it (core/task/
 * tailer-start.ts: it goes on from the checkpoint), recording the streak on the task; or, after
 * the retry window, fails the task with the reason.
 */
export async function answerStoppedTailer(
  event: EcsTaskStateChange,
  ports: RelaunchPorts,
): Promise<RelaunchOutcome> {
  const read = readStoppedTailer(event, ports.tailers);
  if ("ignored" in read) return { action: "leave", reason: read.ignored };
  const stop = read.tailer;
  const [task, checkpoint] = await Promise.all([
    ports.store.get(stop.task),
    ports.checkpoints.read(stop.task),
  ]);
  const now = ports.clock();
  const decision = decideRelaunch({ stop, task, checkpoint, now, leaseTtlMs: ports.leaseTtlMs });
  const outcome: RelaunchOutcome = { action: decision.action, task: stop.task, reason: decision.reason };
  if (decision.action !== "leave") ports.stoppedUnexpectedly?.(stop.task, decision.action);
  if (decision.action === "give-up") await ports.store.recordFailure(stop.task, decision.failure);
  if (decision.action !== "relaunch") return outcome;
  let launched: LaunchedTailer;
  try {
    // As StartTailer does: a pause asked for since the decision is not undone.
    // Keyed by the stopped task: the same stop delivered twice launches one tailer.
    launched = await startTailer(stop.task, ports, "execution", stop.taskArn);
  } catch (error) {
    if (error instanceof PhaseMoveError) return { action: "leave", task: stop.task, reason: error.message };
    throw error;
  }
  const { streak } = decision;
  await ports.store.saveOutcome(stop.task, "supervision", {
    streakStartedAt: streak.startedAt,
    relaunches: streak.relaunches,
    lastRelaunchAt: new Date(now).toISOString(),
    ...(streak.checkpoint === undefined ? {} : { checkpointAtRelaunch: streak.checkpoint }),
    tailer: launched.id,
    replaced: stop.taskArn,
  });
  return { ...outcome, tailer: launched.id };
}
