import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { AssetManifestArtifact } from "aws-cdk-lib/cx-api";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "#infra/paths.ts";
import {
  actionsOf,
  allStatements,
  roleOf,
  roleStatements,
  type Statement,
  SYNTH_TIMEOUT,
  synthStack,
  text,
} from "./template.ts";

let template: Template;
let app: App;

beforeAll(() => {
  ({ template, app } = synthStack());
}, SYNTH_TIMEOUT);

/** The tailer's image in the cloud assembly's asset manifest, and its staged build context. */
function dockerImage(cdkApp: App) {
  const assembly = cdkApp.synth();
  const manifest = assembly.artifacts.find(
    (a) => a instanceof AssetManifestArtifact,
  ) as AssetManifestArtifact;
  const images = JSON.parse(readFileSync(manifest.file, "utf8")).dockerImages as Record<
    string,
    { source: { directory: string; dockerFile: string; platform: string } }
  >;
  const [image] = Object.values(images);
  if (!image) throw new Error("no Docker image asset");
  return { source: image.source, context: join(assembly.directory, image.source.directory) };
}

const taskRole = (t: Template) => {
  const [definition] = Object.values(t.findResources("AWS::ECS::TaskDefinition"));
  if (!definition) throw new Error("no task definition");
  return (definition.Properties.TaskRoleArn as { "Fn::GetAtt": [string] })["Fn::GetAtt"][0];
};

describe("the tailer's Fargate service", () => {
  it("runs the tailer container from container/Dockerfile on Fargate, logging to CloudWatch, in a cluster with Container Insights", () => {
    template.hasResourceProperties("AWS::ECS::Cluster", {
      ClusterSettings: [{ Name: "containerInsights", Value: "enabled" }],
    });
    template.hasResourceProperties("AWS::ECS::TaskDefinition", {
      RequiresCompatibilities: ["FARGATE"],
      NetworkMode: "awsvpc",
      // One vCPU and 2 GB: the tailer needs about one core at 35,000 changes/s.
      Cpu: "1024",
      Memory: "2048",
      RuntimePlatform: { CpuArchitecture: "X86_64", OperatingSystemFamily: "LINUX" },
      ContainerDefinitions: [
        Match.objectLike({
          // The name the launcher's RunTask overrides use.
          Name: "tailer",
          Image: { "Fn::Sub": Match.stringLikeRegexp("container-assets") },
          LogConfiguration: {
            LogDriver: "awslogs",
            Options: Match.objectLike({
              "awslogs-group": { Ref: Match.stringLikeRegexp("^TailerLogs") },
              "awslogs-stream-prefix": "tailer",
            }),
          },
          Environment: Match.arrayWith([
            { Name: "DTS_TASKS_TABLE", Value: { Ref: Match.stringLikeRegexp("^TablesTasks") } },
            { Name: "DTS_CHECKPOINTS_TABLE", Value: { Ref: Match.stringLikeRegexp("^TablesCheckpoints") } },
          ]),
          // SIGTERM flushes the checkpoint before the container is killed.
          StopTimeout: 60,
          ReadonlyRootFilesystem: true,
        }),
      ],
    });
    template.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
  });

  it("stages the image's build context at synth without Docker: the Dockerfile, package files, core/ and container/ only", () => {
    const image = dockerImage(app);
    expect(image.source).toMatchObject({ dockerFile: "container/Dockerfile", platform: "linux/amd64" });
    const context = image.context;
    expect(readdirSync(context).sort()).toEqual(["container", "core", "package-lock.json", "package.json"]);
    expect(existsSync(join(context, "container", "Dockerfile"))).toBe(true);
    expect(existsSync(join(context, "container", "main.ts"))).toBe(true);
    expect(existsSync(join(context, "core", "incremental", "service.ts"))).toBe(true);
  });

  it("takes its CPU and memory as props, and refuses a pair Fargate would refuse at deploy time", () => {
    synthStack({ tailerCpu: 2048, tailerMemoryMiB: 8192 }).template.hasResourceProperties(
      "AWS::ECS::TaskDefinition",
      { Cpu: "2048", Memory: "8192" },
    );
    synthStack({ tailerCpu: 512, tailerMemoryMiB: 1024 }).template.hasResourceProperties(
      "AWS::ECS::TaskDefinition",
      { Cpu: "512", Memory: "1024" },
    );
    expect(() => synthStack({ tailerCpu: 1000 })).toThrow(/tailerCpu must be one of 256, 512, 1024/);
    expect(() => synthStack({ tailerCpu: 4096 })).toThrow(
      /tailerMemoryMiB 2048 does not fit tailerCpu 4096: Fargate takes 8192 to 30720 MiB/,
    );
    expect(() => synthStack({ tailerCpu: 256, tailerMemoryMiB: 1536 })).toThrow(/does not fit tailerCpu 256/);
  });

  it("pins its base image by digest (container/Dockerfile)", () => {
    const dockerfile = readFileSync(join(REPO_ROOT, "container", "Dockerfile"), "utf8");
    const froms = dockerfile.split("\n").filter((line) => line.startsWith("FROM "));
    expect(froms.length).toBeGreaterThan(0);
    for (const line of froms) expect(line).toMatch(/^FROM \$\{NODE_IMAGE\}( AS \w+)?$/);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:22-slim@sha256:[0-9a-f]{64}$/m);
  });

  it("builds for ARM64 when asked (cheaper Fargate, needs an arm64 builder)", () => {
    const { app: armApp, template: arm } = synthStack({ tailerArchitecture: "ARM64" });
    arm.hasResourceProperties("AWS::ECS::TaskDefinition", {
      RuntimePlatform: { CpuArchitecture: "ARM64", OperatingSystemFamily: "LINUX" },
    });
    expect(dockerImage(armApp).source.platform).toBe("linux/arm64");
  });

  it("lets the tailer's task role use the tasks and checkpoints tables and read the prefixed secrets, nothing more", () => {
    const statements = roleStatements(template, taskRole(template));
    const resources = statements.map((s) => text(s.Resource));
    expect(resources.some((r) => r.includes("TablesTasks"))).toBe(true);
    expect(resources.some((r) => r.includes("TablesCheckpoints"))).toBe(true);
    expect(resources.some((r) => r.includes("TablesChunks"))).toBe(false);
    const secrets = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("secretsmanager:")));
    expect(secrets).toHaveLength(1);
    expect(actionsOf(secrets[0] as Statement).sort()).toEqual([
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetSecretValue",
    ]);
    expect(text(secrets[0]?.Resource)).toContain(":secret:dts/*");
  });

  it("gives start-tailer what the launcher reads: cluster, task definition, private subnets, security group", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Tags: Match.arrayWith([{ Key: "dts:function", Value: "start-tailer" }]),
      Environment: {
        Variables: Match.objectLike({
          DTS_TAILER_CLUSTER: { "Fn::GetAtt": [Match.stringLikeRegexp("^TailerCluster"), "Arn"] },
          DTS_TAILER_TASK_DEFINITION: { Ref: Match.stringLikeRegexp("^TailerTaskDefinition") },
          DTS_TAILER_SUBNETS: {
            "Fn::Join": [
              ",",
              [
                { Ref: Match.stringLikeRegexp("^NetworkVpcprivateSubnet1") },
                { Ref: Match.stringLikeRegexp("^NetworkVpcprivateSubnet2") },
              ],
            ],
          },
          DTS_TAILER_SECURITY_GROUPS: {
            "Fn::GetAtt": [Match.stringLikeRegexp("^NetworkWorkers"), "GroupId"],
          },
        }),
      },
    });
  });

  it("lets only the launchers (start-tailer, relaunch-tailer for supervision, and the API for a resume past the full load) run the task definition, in that cluster, passing only its two roles to ECS", () => {
    const statements = roleStatements(template, roleOf(template, "start-tailer"));
    const runTask = statements.filter((s) => actionsOf(s).includes("ecs:RunTask"));
    expect(runTask).toEqual([
      {
        Effect: "Allow",
        Action: "ecs:RunTask",
        Resource: { Ref: expect.stringMatching(/^TailerTaskDefinition/) },
        Condition: {
          ArnEquals: { "ecs:cluster": { "Fn::GetAtt": [expect.stringMatching(/^TailerCluster/), "Arn"] } },
        },
      },
    ]);
    const passRole = statements.filter((s) => actionsOf(s).includes("iam:PassRole"));
    expect(passRole).toEqual([
      {
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: [
          { "Fn::GetAtt": [expect.stringMatching(/^TailerTaskDefinitionTaskRole/), "Arn"] },
          { "Fn::GetAtt": [expect.stringMatching(/^TailerTaskDefinitionExecutionRole/), "Arn"] },
        ],
        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      },
    ]);
    const launchers = ["start-tailer", "relaunch-tailer", "api"].map((name) => roleOf(template, name));
    const launching = (statements: Statement[]) =>
      statements.filter((s) => actionsOf(s).some((a) => a === "ecs:RunTask" || a === "iam:PassRole"));
    const everywhere = launching(allStatements(template));
    expect(everywhere).toHaveLength(2 * launchers.length);
    for (const role of launchers)
      expect(launching(roleStatements(template, role))).toEqual([...runTask, ...passRole]);
  });

  it("gives the API what the launcher reads, so POST /tasks/{name}/resume can start a paused task's tailer", () => {
    const [api] = Object.values(template.findResources("AWS::Lambda::Function")).filter((f) =>
      ((f.Properties.Tags ?? []) as { Key: string; Value: string }[]).some((t) => t.Value === "api"),
    );
    const variables = Object.keys(api?.Properties.Environment.Variables ?? {});
    for (const name of [
      "DTS_TAILER_CLUSTER",
      "DTS_TAILER_TASK_DEFINITION",
      "DTS_TAILER_SUBNETS",
      "DTS_TAILER_SECURITY_GROUPS",
    ])
      expect(variables).toContain(name);
  });
});

describe("secrets", () => {
  const DATABASE_FUNCTIONS = [
    "precheck",
    "capture-position",
    "schema",
    "plan-chunks",
    "copy-chunk",
    "build-indexes",
    "api",
  ];

  it("lets the functions that connect to databases read secrets under dts/, and no other function", () => {
    for (const name of [
      "precheck",
      "capture-position",
      "schema",
      "plan-chunks",
      "copy-chunk",
      "build-indexes",
      "api",
      "full-load-status",
      "start-tailer",
      "record-failure",
      "relaunch-tailer",
      "watch-tasks",
    ]) {
      const statements = roleStatements(template, roleOf(template, name)).filter((s) =>
        actionsOf(s).some((a) => a.startsWith("secretsmanager:")),
      );
      if (DATABASE_FUNCTIONS.includes(name)) {
        expect(statements, name).toHaveLength(1);
        expect(actionsOf(statements[0] as Statement).sort()).toEqual([
          "secretsmanager:DescribeSecret",
          "secretsmanager:GetSecretValue",
        ]);
        expect(text(statements[0]?.Resource)).toMatch(/:secretsmanager:.*:secret:dts\/\*"/);
      } else {
        expect(statements, name).toEqual([]);
      }
    }
  });

  it("takes the secret name prefix as a prop, and refuses an empty one (it would open every secret)", () => {
    const { template: other } = synthStack({ secretNamePrefix: "migrations/prod/" });
    const resources = allStatements(other)
      .filter((s) => actionsOf(s).includes("secretsmanager:GetSecretValue"))
      .map((s) => text(s.Resource));
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) expect(resource).toContain(":secret:migrations/prod/*");
    other.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ DTS_SECRET_PREFIX: "migrations/prod/" }) },
    });
    expect(() => synthStack({ secretNamePrefix: "*" })).toThrow(/secretNamePrefix/);
  });
});
