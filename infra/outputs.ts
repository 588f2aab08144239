/**
 * The stack outputs `dts serve --stack` reads (local/deployed-stack.ts), each with the config
 * variable (core/config.ts) its value becomes, so the deployed API's code runs on the operator's
 * machine. The names are a contract with stacks already deployed: add new ones, never rename.
 * Plain data: the CLI loads it without the CDK.
 */
export const STACK_OUTPUTS = {
  TasksTable: "DTS_TASKS_TABLE",
  ChunksTable: "DTS_CHUNKS_TABLE",
  CheckpointsTable: "DTS_CHECKPOINTS_TABLE",
  StateMachineArn: "DTS_STATE_MACHINE_ARN",
  TailerCluster: "DTS_TAILER_CLUSTER",
  TailerTaskDefinition: "DTS_TAILER_TASK_DEFINITION",
  TailerSubnets: "DTS_TAILER_SUBNETS",
  TailerSecurityGroups: "DTS_TAILER_SECURITY_GROUPS",
  SecretNamePrefix: "DTS_SECRET_PREFIX",
} as const;

export type StackOutputName = keyof typeof STACK_OUTPUTS;
export type StackOutputVariable = (typeof STACK_OUTPUTS)[StackOutputName];
