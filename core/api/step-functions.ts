import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { FatalError } from "../errors.ts";
import type { TaskSpec } from "../spec/schema.ts";
import type { ExecutionStarter } from "./ports.ts";
import { inputTaskName, taskReference } from "./task-step.ts";

/** Execution names: the task name and a timestamp (80 characters at most, unique for 90 days). */
export function executionName(task: string, now: number): string {
  return `${task.slice(0, 62)}-${now.toString(36)}`;
}

/**
 * The execution starter in AWS: StartExecution of the task state machine with the saved task as
 * input ({ "task": name }: a spec listing thousands of tables would outgrow the 256 KB input).
 * Running executions are found by the task their input names (a reference, or a whole spec's
 * name), so executions started from the console with a whole spec count too.
 */
export function stepFunctionsStarter(
  stateMachineArn: string | undefined,
  client: SFNClient = new SFNClient({}),
  now: () => number = Date.now,
): ExecutionStarter {
  if (!stateMachineArn)
    throw new FatalError(
      "DTS_STATE_MACHINE_ARN is not set: the API function needs the task state machine's ARN",
    );

  async function running(task: string): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListExecutionsCommand({ stateMachineArn, statusFilter: "RUNNING", nextToken, maxResults: 100 }),
      );
      for (const execution of page.executions ?? []) {
        if (execution.executionArn) arns.push(execution.executionArn);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    const described = await Promise.all(
      arns.map(async (executionArn) => {
        const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
        const input: unknown = JSON.parse(execution.input ?? "null");
        return execution.status === "RUNNING" && inputTaskName(input) === task ? executionArn : undefined;
      }),
    );
    return described.filter((arn): arn is string => arn !== undefined);
  }

  return {
    async start(spec: TaskSpec) {
      try {
        const result = await client.send(
          new StartExecutionCommand({
            stateMachineArn,
            name: executionName(spec.name, now()),
            input: JSON.stringify(taskReference(spec.name)),
          }),
        );
        return { executionId: result.executionArn ?? "" };
      } catch (error) {
        if (error instanceof ExecutionAlreadyExists)
          throw new FatalError("an execution with this name was started in the same millisecond: retry");
        throw error;
      }
    },
    running,
    async stop(task, reason) {
      const stopped = await running(task);
      await Promise.all(
        stopped.map((executionArn) =>
          client.send(new StopExecutionCommand({ executionArn, error: "TaskStopped", cause: reason })),
        ),
      );
      return { stopped };
    },
  };
}
