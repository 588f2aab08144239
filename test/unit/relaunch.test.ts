import { beforeEach, describe, expect, it } from "vitest";
import type { Phase } from "#core/model/phase.ts";
import type { Lease } from "#core/store/checkpoint-store.ts";
import { memoryStores } from "#core/store/memory.ts";
import {
  answerStoppedTailer,
  type EcsTaskStateChange,
  type RelaunchPorts,
  readStoppedTailer,
  stoppedTailerMetricsLine,
  TAILER_STOPPED_METRIC,
} from "#core/task/relaunch.ts";
import type { LaunchedTailer, TailerLauncher } from "#core/task/tailer-start.ts";
import { spec } from "../support/spec-fixtures.ts";

const NOW = Date.UTC(2031, 0, 1, 12);
const MINUTE = 60_000;
const TTL = 15_000;
const TASK = "orders";
const ACCOUNT = "111122223333";
const CLUSTER = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/Dts-TailerClusterF7BC699E-q8Wc3kZ1b2Xy`;
const FAMILY = "DtsTailerTaskDefinitionBA652F72";
const TASK_DEFINITION = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${FAMILY}:7`;
const FIRST_TAILER = `arn:aws:ecs:us-east-1:${ACCOUNT}:task/Dts-TailerClusterF7BC699E-q8Wc3kZ1b2Xy/5f0c4c3e1b8a4d2f9e7a6b5c4d3e2f1a`;

const iso = (ms: number) => new Date(ms).toISOString();

/** The tailer container of a recorded task, without what differs between stops (exit code, reason). */
function tailerContainer(taskArn: string) {
  return {
    containerArn: `${taskArn.replace(":task/", ":container/")}/0b7e3c1d-2a4f-4b6e-9c8d-7e6f5a4b3c2d`,
    lastStatus: "STOPPED",
    name: "tailer",
    image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/cdk-hnb659fds-container-assets-${ACCOUNT}-us-east-1:4c1f0e9d8b7a`,
    imageDigest: "sha256:7d5a3f1e9c8b7a6d5e4f3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f",
    runtimeId: "5f0c4c3e1b8a4d2f9e7a6b5c4d3e2f1a-2531612879",
    taskArn,
    networkInterfaces: [
      { attachmentId: "9e4f3a2b-1c0d-4e5f-8a7b-6c5d4e3f2a1b", privateIpv4Address: "10.0.147.12" },
    ],
    cpu: "0",
  };
}

/**
 * A recorded "ECS Task State Change" event of a tailer that stopped (an OOM kill), as EventBridge
 * delivers it; the cases below change what differs between stops.
 */
function recorded(taskArn: string, stoppedAt: number) {
  return {
    version: "0",
    id: "3317b2af-7005-947d-b652-f55e762e571a",
    "detail-type": "ECS Task State Change",
    source: "aws.ecs",
    account: ACCOUNT,
    time: iso(stoppedAt + 412),
    region: "us-east-1",
    resources: [taskArn],
    detail: {
      attachments: [
        {
          id: "9e4f3a2b-1c0d-4e5f-8a7b-6c5d4e3f2a1b",
          type: "eni",
          status: "DELETED",
          details: [
            { name: "subnetId", value: "subnet-0a1b2c3d4e5f60789" },
            { name: "networkInterfaceId", value: "eni-0f1e2d3c4b5a69788" },
            { name: "macAddress", value: "0e:8c:19:4a:7b:21" },
            { name: "privateDnsName", value: "ip-10-0-147-12.ec2.internal" },
            { name: "privateIPv4Address", value: "10.0.147.12" },
          ],
        },
      ],
      attributes: [{ name: "ecs.cpu-architecture", value: "x86_64" }],
      availabilityZone: "us-east-1a",
      clusterArn: CLUSTER,
      connectivity: "CONNECTED",
      connectivityAt: iso(stoppedAt - 6 * 3_600_000),
      containers: [
        {
          ...tailerContainer(taskArn),
          exitCode: 137,
          reason: "OutOfMemoryError: Container killed due to memory usage",
        },
      ],
      cpu: "512",
      createdAt: iso(stoppedAt - 6 * 3_600_000 - 40_000),
      desiredStatus: "STOPPED",
      enableExecuteCommand: false,
      ephemeralStorage: { sizeInGiB: 20 },
      executionStoppedAt: iso(stoppedAt - 9_000),
      group: `family:${FAMILY}`,
      launchType: "FARGATE",
      lastStatus: "STOPPED",
      memory: "1024",
      overrides: {
        containerOverrides: [{ environment: [{ name: "DTS_TASK", value: TASK }], name: "tailer" }],
      },
      platformVersion: "1.4.0",
      pullStartedAt: iso(stoppedAt - 6 * 3_600_000 - 30_000),
      pullStoppedAt: iso(stoppedAt - 6 * 3_600_000 - 21_000),
      startedAt: iso(stoppedAt - 6 * 3_600_000 - 15_000),
      startedBy: `dts-${TASK}`,
      stopCode: "EssentialContainerExited",
      stoppedAt: iso(stoppedAt),
      stoppedReason: "Essential container in task exited",
      stoppingAt: iso(stoppedAt - 8_000),
      taskArn,
      taskDefinitionArn: TASK_DEFINITION,
      updatedAt: iso(stoppedAt),
      version: 6,
    },
  };
}

/** How the recorded stop differs in each case. */
interface Stop {
  stopCode: string;
  stoppedReason: string;
  exitCode?: number;
  containerReason?: string;
  taskDefinitionArn?: string;
  clusterArn?: string;
}

const STOPS = {
  oom: {
    stopCode: "EssentialContainerExited",
    stoppedReason: "Essential container in task exited",
    exitCode: 137,
    containerReason: "OutOfMemoryError: Container killed due to memory usage",
  },
  crash: {
    stopCode: "EssentialContainerExited",
    stoppedReason: "Essential container in task exited",
    exitCode: 1,
  },
  fenced: {
    stopCode: "EssentialContainerExited",
    stoppedReason: "Essential container in task exited",
    exitCode: 3,
  },
  ended: {
    stopCode: "EssentialContainerExited",
    stoppedReason: "Essential container in task exited",
    exitCode: 0,
  },
  failedToStart: {
    stopCode: "TaskFailedToStart",
    stoppedReason:
      "CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref 111122223333.dkr.ecr.us-east-1.amazonaws.com/cdk-hnb659fds-container-assets-111122223333-us-east-1:4c1f0e9d8b7a: i/o timeout",
  },
  // SIGTERM without a pause: the tailer checkpoints and exits 143 (container/main.ts).
  spot: { stopCode: "SpotInterruption", stoppedReason: "Your Spot Task was interrupted.", exitCode: 143 },
  retired: {
    stopCode: "TerminationNotice",
    stoppedReason: "Task stopped due to a Fargate task retirement",
    exitCode: 143,
  },
  stopTask: { stopCode: "UserInitiated", stoppedReason: "Task stopped by user", exitCode: 143 },
  // A tailer that needed longer than the stop timeout to flush is killed.
  killedAfterTimeout: {
    stopCode: "SpotInterruption",
    stoppedReason: "Your Spot Task was interrupted.",
    exitCode: 137,
  },
  // SIGTERM while a pause was asked for: the tailer pauses the task and exits 0.
  stopTaskWhilePausing: { stopCode: "UserInitiated", stoppedReason: "Task stopped by user", exitCode: 0 },
} satisfies Record<string, Stop>;

function event(taskArn: string, stop: Stop, stoppedAt: number): EcsTaskStateChange {
  const base = recorded(taskArn, stoppedAt);
  const detail = {
    ...base.detail,
    stopCode: stop.stopCode,
    stoppedReason: stop.stoppedReason,
    ...(stop.taskDefinitionArn ? { taskDefinitionArn: stop.taskDefinitionArn } : {}),
    ...(stop.clusterArn ? { clusterArn: stop.clusterArn } : {}),
    containers: [
      {
        ...tailerContainer(taskArn),
        ...(stop.exitCode === undefined ? {} : { exitCode: stop.exitCode }),
        ...(stop.containerReason ? { reason: stop.containerReason } : {}),
      },
    ],
  };
  return { ...base, detail };
}

/** RunTask as the ECS launcher answers it: a new task ARN each time. */
class FakeEcsLauncher implements TailerLauncher {
  launched: string[] = [];
  keys: (string | undefined)[] = [];
  async launch(task: string, launchKey?: string): Promise<LaunchedTailer> {
    this.launched.push(task);
    this.keys.push(launchKey);
    return {
      mode: "ecs",
      id: `arn:aws:ecs:us-east-1:${ACCOUNT}:task/Dts-TailerClusterF7BC699E-q8Wc3kZ1b2Xy/relaunched${this.launched.length}`,
      alreadyRunning: false,
    };
  }
}

let clock: { now: number };
let stores: ReturnType<typeof memoryStores>;
let launcher: FakeEcsLauncher;
let ports: RelaunchPorts;
/** What the stoppedUnexpectedly port was told, in order. */
let counted: string[];

beforeEach(() => {
  counted = [];
  clock = { now: NOW };
  stores = memoryStores(() => clock.now);
  launcher = new FakeEcsLauncher();
  ports = {
    store: stores.tasks,
    checkpoints: stores.checkpoints,
    launcher,
    tailers: { cluster: CLUSTER, taskDefinition: TASK_DEFINITION },
    leaseTtlMs: TTL,
    clock: () => clock.now,
    stoppedUnexpectedly: (task, decision) => counted.push(`${task} ${decision}`),
  };
});

/** The task, moved the way the state machine moves it into `phase`. */
async function taskIn(phase: Phase, retryWindowMinutes = 30): Promise<void> {
  await stores.tasks.saveSpec(spec({ name: TASK, retryWindowMinutes }));
  await stores.tasks.setPhase(TASK, "prechecking");
  await stores.tasks.setPhase(TASK, "prechecked");
  if (phase === "completed") return stores.tasks.setPhase(TASK, "completed");
  await stores.tasks.setPhase(TASK, "incremental");
  if (phase !== "incremental") await stores.tasks.setPhase(TASK, phase);
}

/** A tailer that takes the lease and checkpoints a transaction now. */
async function tailerProgresses(owner: string, pos: number): Promise<Lease> {
  const lease = await stores.checkpoints.acquire(TASK, owner, TTL);
  await stores.checkpoints.save(lease, {
    position: { file: "mysql-bin.000042", position: pos },
    sourceTimestamp: clock.now - 800,
    updatedAt: iso(clock.now),
  });
  return lease;
}

/** Moves the clock to `at` and answers the stop of `taskArn` there (ECS recorded it at `stoppedAt`). */
async function stopsAt(at: number, taskArn: string, stop: Stop = STOPS.crash, stoppedAt = at - 2000) {
  clock.now = at;
  return answerStoppedTailer(event(taskArn, stop, stoppedAt), ports);
}

const lastRelaunched = () =>
  `arn:aws:ecs:us-east-1:${ACCOUNT}:task/Dts-TailerClusterF7BC699E-q8Wc3kZ1b2Xy/relaunched${launcher.launched.length}`;

describe("reading an ECS Task State Change event", () => {
  it("finds the migration task in the launcher's DTS_TASK override and the tailer container's exit", () => {
    const read = readStoppedTailer(recorded(FIRST_TAILER, NOW), ports.tailers);
    expect(read).toEqual({
      tailer: {
        task: TASK,
        taskArn: FIRST_TAILER,
        stopCode: "EssentialContainerExited",
        stoppedReason:
          "Essential container in task exited; OutOfMemoryError: Container killed due to memory usage",
        exitCode: 137,
        stoppedAt: NOW,
      },
    });
  });

  it("ignores tasks of another task definition family or cluster, and events that are not stops", () => {
    const billing = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${FAMILY}Billing:3`;
    expect(
      readStoppedTailer(
        event(FIRST_TAILER, { ...STOPS.crash, taskDefinitionArn: billing }, NOW),
        ports.tailers,
      ),
    ).toEqual({ ignored: expect.stringContaining(`task definition family ${FAMILY}`) });
    const otherCluster = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/batch`;
    expect(
      readStoppedTailer(
        event(FIRST_TAILER, { ...STOPS.crash, clusterArn: otherCluster }, NOW),
        ports.tailers,
      ),
    ).toEqual({ ignored: expect.stringContaining("another cluster") });
    const running = recorded(FIRST_TAILER, NOW);
    expect(
      readStoppedTailer({ ...running, detail: { ...running.detail, lastStatus: "RUNNING" } }, ports.tailers),
    ).toEqual({ ignored: "not a stopped ECS task" });
    // Another revision of the tailer's family is a tailer (one started before a deploy).
    const older = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${FAMILY}:6`;
    expect(
      readStoppedTailer(
        event(FIRST_TAILER, { ...STOPS.crash, taskDefinitionArn: older }, NOW),
        ports.tailers,
      ),
    ).toHaveProperty("tailer.task", TASK);
  });
});

describe("relaunching a tailer that stopped unexpectedly", () => {
  it("relaunches a tailer killed for memory (exit 137) from its checkpoint, though its own lease has not run out yet", async () => {
    await taskIn("incremental");
    clock.now = NOW - 3000;
    await tailerProgresses("ip-10-0-147-12.ec2.internal:1", 4711);
    const outcome = await stopsAt(NOW, FIRST_TAILER, STOPS.oom);
    expect(outcome).toMatchObject({ action: "relaunch", task: TASK, tailer: lastRelaunched() });
    expect(outcome.reason).toContain("OutOfMemoryError");
    expect(launcher.launched).toEqual([TASK]);
    const task = await stores.tasks.get(TASK);
    expect(task?.phase).toBe("incremental");
    expect(task?.supervision).toEqual({
      streakStartedAt: iso(NOW),
      relaunches: 1,
      lastRelaunchAt: iso(NOW),
      checkpointAtRelaunch: iso(NOW - 3000),
      tailer: lastRelaunched(),
      replaced: FIRST_TAILER,
    });
  });

  it.each([
    ["a crash (exit 1)", STOPS.crash],
    ["a task that failed to start", STOPS.failedToStart],
    ["a Spot interruption (exit 143 after flushing)", STOPS.spot],
    ["a task retirement (exit 143 after flushing)", STOPS.retired],
    ["ECS StopTask without a pause (UserInitiated, exit 143)", STOPS.stopTask],
    ["a kill after the stop timeout (exit 137)", STOPS.killedAfterTimeout],
  ])("relaunches after %s", async (_, stop) => {
    await taskIn("incremental");
    expect(await stopsAt(NOW, FIRST_TAILER, stop)).toMatchObject({ action: "relaunch" });
    expect(launcher.launched).toEqual([TASK]);
  });

  it("relaunches within the retry window counted from the first stop, then fails the task with what to do", async () => {
    await taskIn("incremental", 30);
    let stopped = FIRST_TAILER;
    for (let minute = 0; minute < 30; minute += 4) {
      const outcome = await stopsAt(NOW + minute * MINUTE, stopped);
      expect(outcome.action).toBe("relaunch");
      stopped = lastRelaunched();
    }
    expect(launcher.launched).toHaveLength(8);
    expect((await stores.tasks.get(TASK))?.supervision).toMatchObject({
      streakStartedAt: iso(NOW),
      relaunches: 8,
      lastRelaunchAt: iso(NOW + 28 * MINUTE),
    });

    const outcome = await stopsAt(NOW + 30 * MINUTE, stopped, STOPS.oom);
    expect(outcome.action).toBe("give-up");
    expect(launcher.launched).toHaveLength(8);
    const task = await stores.tasks.get(TASK);
    expect(task?.phase).toBe("failed");
    expect(task?.lastError).toMatchObject({ error: "TailerKeptStopping", state: "Tailer" });
    expect(task?.lastError?.cause).toContain("relaunched 8 times since 2031-01-01T12:00:00.000Z");
    expect(task?.lastError?.cause).toContain("retry window of 30 minutes");
    expect(task?.lastError?.cause).toContain("OutOfMemoryError");
    expect(task?.lastError?.cause).toContain(`\`dts resume ${TASK}\` goes on from the checkpoint`);

    // A failed task is not relaunched again.
    expect(await stopsAt(NOW + 31 * MINUTE, stopped)).toMatchObject({ action: "leave" });
    expect(launcher.launched).toHaveLength(8);
  });

  it("starts a new streak when the relaunched tailer moved the checkpoint", async () => {
    await taskIn("incremental", 30);
    await tailerProgresses("tailer-a", 100);
    await stopsAt(NOW, FIRST_TAILER);
    const b = lastRelaunched();
    clock.now = NOW + 20 * MINUTE;
    await tailerProgresses("tailer-b", 200);

    // Twenty minutes on: a streak counted from the first stop would end at NOW + 30 minutes.
    expect(await stopsAt(NOW + 40 * MINUTE, b)).toMatchObject({ action: "relaunch" });
    expect((await stores.tasks.get(TASK))?.supervision).toMatchObject({
      streakStartedAt: iso(NOW + 40 * MINUTE),
      relaunches: 1,
      checkpointAtRelaunch: iso(NOW + 20 * MINUTE),
    });
    expect(await stopsAt(NOW + 65 * MINUTE, lastRelaunched())).toMatchObject({ action: "relaunch" });
    expect((await stores.tasks.get(TASK))?.supervision).toMatchObject({ relaunches: 2 });
    expect(await stopsAt(NOW + 71 * MINUTE, lastRelaunched())).toMatchObject({ action: "give-up" });
  });

  it("starts a new streak for a tailer it did not launch (StartTailer, dts resume)", async () => {
    await taskIn("incremental", 30);
    await stopsAt(NOW, FIRST_TAILER);
    const resumed = `arn:aws:ecs:us-east-1:${ACCOUNT}:task/Dts-TailerClusterF7BC699E-q8Wc3kZ1b2Xy/resumedbyhand`;
    expect(await stopsAt(NOW + 5 * 60 * MINUTE, resumed)).toMatchObject({ action: "relaunch" });
    expect((await stores.tasks.get(TASK))?.supervision).toMatchObject({
      streakStartedAt: iso(NOW + 5 * 60 * MINUTE),
      relaunches: 1,
      replaced: resumed,
    });
  });

  it("answers a stop once, though ECS and EventBridge may deliver it more than once", async () => {
    await taskIn("incremental");
    await stopsAt(NOW, FIRST_TAILER, STOPS.oom);
    expect(await stopsAt(NOW + 1000, FIRST_TAILER, STOPS.oom)).toMatchObject({
      action: "leave",
      reason: expect.stringContaining("answered already"),
    });
    expect(launcher.launched).toHaveLength(1);
  });
});

describe("leaving a tailer stopped", () => {
  async function left(stop: Stop, reason: RegExp) {
    const before = await stores.tasks.get(TASK);
    const outcome = await stopsAt(NOW, FIRST_TAILER, stop);
    expect(outcome.action).toBe("leave");
    expect(outcome.reason).toMatch(reason);
    expect(launcher.launched).toEqual([]);
    const after = await stores.tasks.get(TASK);
    expect(after?.phase).toBe(before?.phase);
    expect(after?.lastError).toBeUndefined();
    expect(after?.supervision).toBeUndefined();
  }

  it.each(["paused", "failed", "completed"] as const)(
    "leaves a %s task alone, even after a Spot interruption",
    async (phase) => {
      await taskIn(phase);
      await left(STOPS.spot, new RegExp(`is ${phase}`));
    },
  );

  it("leaves a tailer asked to stop (dts pause), whatever ended it", async () => {
    await taskIn("incremental");
    await stores.checkpoints.requestStop(TASK);
    await left(STOPS.oom, /asked for/);
    expect((await stores.checkpoints.read(TASK))?.stopRequested).toBe(true);
  });

  it("leaves a fenced tailer (exit 3): another tailer holds the task", async () => {
    await taskIn("incremental");
    await left(STOPS.fenced, /fenced/);
  });

  it.each([
    ["by itself", STOPS.ended],
    ["on ECS StopTask (UserInitiated)", STOPS.stopTaskWhilePausing],
  ])("leaves a tailer that ended in order (exit 0) %s", async (_, stop) => {
    await taskIn("incremental");
    await left(stop, /ended in order/);
  });

  it("leaves a tailer whose task another tailer holds now (a lease taken after this one stopped)", async () => {
    await taskIn("incremental");
    clock.now = NOW - 1000;
    await tailerProgresses("ip-10-0-147-12.ec2.internal:1", 10);
    // The tailer died at NOW; its lease ran out, and another tailer (dts resume) took the task.
    clock.now = NOW + 20_000;
    await stores.checkpoints.acquire(TASK, "ip-10-0-99-7.ec2.internal:1", TTL);
    const outcome = await stopsAt(NOW + 25_000, FIRST_TAILER, STOPS.crash, NOW);
    expect(outcome).toMatchObject({ action: "leave", reason: expect.stringContaining("ip-10-0-99-7") });
    expect(launcher.launched).toEqual([]);
  });

  it("does not undo a pause asked for while it decided", async () => {
    await taskIn("incremental");
    const tasks = stores.tasks;
    let reads = 0;
    ports.store = {
      get: async (name) => {
        const task = await tasks.get(name);
        // `dts pause` lands between the decision's read and the launch.
        if (reads++ === 0) await tasks.setPhase(TASK, "paused");
        return task;
      },
      setPhase: (name, phase) => tasks.setPhase(name, phase),
      recordFailure: (name, failure) => tasks.recordFailure(name, failure),
      saveOutcome: (name, field, value) => tasks.saveOutcome(name, field, value),
    };
    expect(await stopsAt(NOW, FIRST_TAILER, STOPS.oom)).toMatchObject({
      action: "leave",
      reason: expect.stringContaining("paused"),
    });
    expect(launcher.launched).toEqual([]);
    expect((await tasks.get(TASK))?.phase).toBe("paused");
  });

  it("leaves tasks of another task definition, and stopped tailers of tasks that are gone", async () => {
    const billing = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/billing-worker:12`;
    expect(await stopsAt(NOW, FIRST_TAILER, { ...STOPS.crash, taskDefinitionArn: billing })).toMatchObject({
      action: "leave",
      reason: expect.stringContaining("not a tailer"),
    });
    expect(await stopsAt(NOW, FIRST_TAILER, STOPS.crash)).toMatchObject({
      action: "leave",
      reason: `no task named ${TASK}`,
    });
    expect(launcher.launched).toEqual([]);
  });
});

describe("counting unexpected stops (the TailerStoppedUnexpectedly alarm) and launching once per stop", () => {
  it("counts each stop it relaunches or gives up on, and none it leaves", async () => {
    await taskIn("incremental", 30);
    await stopsAt(NOW, FIRST_TAILER, STOPS.oom);
    const relaunched = lastRelaunched();
    // The same stop delivered again is answered already: not counted twice.
    await stopsAt(NOW + 1000, FIRST_TAILER, STOPS.oom);
    await stopsAt(NOW + 31 * MINUTE, relaunched, STOPS.crash);
    expect(counted).toEqual([`${TASK} relaunch`, `${TASK} give-up`]);
    // A fenced tailer, or one of a failed task, stopped as it should.
    await stopsAt(NOW + 32 * MINUTE, lastRelaunched(), STOPS.fenced);
    expect(counted).toHaveLength(2);
  });

  it("does not count a tailer that ended in order or was asked to stop", async () => {
    await taskIn("incremental");
    await stopsAt(NOW, FIRST_TAILER, STOPS.ended);
    await stores.checkpoints.requestStop(TASK);
    await stopsAt(NOW + MINUTE, FIRST_TAILER, STOPS.stopTask);
    expect(counted).toEqual([]);
  });

  it("keys each relaunch by the stopped task, so a launch retried for the same stop starts one tailer", async () => {
    await taskIn("incremental");
    await stopsAt(NOW, FIRST_TAILER, STOPS.crash);
    const second = lastRelaunched();
    await stopsAt(NOW + MINUTE, second, STOPS.crash);
    expect(launcher.keys).toEqual([FIRST_TAILER, second]);
  });

  it("writes the count as a CloudWatch metric of the task (embedded metric format)", () => {
    const line = JSON.parse(stoppedTailerMetricsLine(TASK, NOW));
    expect(line).toMatchObject({
      _aws: {
        Timestamp: NOW,
        CloudWatchMetrics: [
          {
            Namespace: "DTS",
            Dimensions: [["Task"], []],
            Metrics: [{ Name: TAILER_STOPPED_METRIC, Unit: "Count" }],
          },
        ],
      },
      Task: TASK,
      [TAILER_STOPPED_METRIC]: 1,
    });
  });
});
