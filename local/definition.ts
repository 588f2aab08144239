import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "#infra/paths.ts";
import { FUNCTION_TAG } from "#infra/tags.ts";

const REPO = REPO_ROOT;

/** A CloudFormation template, as far as the local runner reads it. */
export interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

export interface LocalDefinition {
  /** The ASL text, with every CloudFormation reference resolved to a local ARN. */
  text: string;
  /** Task state name -> functions/<name> it invokes. */
  functionsByState: Record<string, string>;
  /** Set on definitions read from the cache: aws-local-stepfunctions validated them when they were made. */
  validated?: boolean;
}

export const LOCAL_ACCOUNT = "000000000000";
export const LOCAL_REGION = "us-east-1";
const FUNCTION_ARN = new RegExp(`^arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:dts-(.+)$`);

/** Synthesizes the CDK app in-process (bundling skipped: the local runner imports handlers directly). */
export async function synthesizeTemplate(): Promise<Template> {
  const [{ App }, { DtsStack }] = await Promise.all([import("aws-cdk-lib"), import("#infra/stack.ts")]);
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const stack = new DtsStack(app, "Dts");
  const assembly = app.synth();
  return assembly.getStackArtifact(stack.artifactId).template as Template;
}

/** Hash of everything the definition is made from: the CDK code, cdk.json and the locked aws-cdk-lib. */
async function definitionSourceHash(): Promise<string> {
  const hash = createHash("sha256");
  const infra = join(REPO, "infra");
  for (const file of (await readdir(infra, { recursive: true })).sort()) {
    if (file.endsWith(".ts")) hash.update(file).update(await readFile(join(infra, file)));
  }
  hash.update(await readFile(join(REPO, "cdk.json")));
  const lock = JSON.parse(await readFile(join(REPO, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string }>;
  };
  hash.update(lock.packages["node_modules/aws-cdk-lib"]?.version ?? "");
  return hash.digest("hex").slice(0, 20);
}

/**
 * The synthesized definition, resolved for local execution. Synthesis takes ~2 s, so the result
 * is kept in .stack/cache under the hash of its sources and made again whenever they change.
 */
export async function localDefinition(): Promise<LocalDefinition> {
  const file = join(REPO, ".stack", "cache", `definition-${await definitionSourceHash()}.json`);
  try {
    return { ...(JSON.parse(await readFile(file, "utf8")) as LocalDefinition), validated: true };
  } catch {
    const definition = resolveDefinition(await synthesizeTemplate());
    const { StateMachine } = await import("aws-local-stepfunctions");
    new StateMachine(JSON.parse(definition.text), { validationOptions: { checkArn: true } });
    await mkdir(join(REPO, ".stack", "cache"), { recursive: true });
    await writeFile(file, JSON.stringify(definition));
    return definition;
  }
}

function functionName(template: Template, logicalId: string): string {
  const resource = template.Resources[logicalId];
  const tags = (resource?.Properties?.Tags ?? []) as { Key: string; Value: string }[];
  const tag = tags.find((t) => t.Key === FUNCTION_TAG);
  if (!tag) throw new Error(`resource ${logicalId} is not a task function (no ${FUNCTION_TAG} tag)`);
  return tag.Value;
}

function resolvePart(template: Template, part: unknown): string {
  if (typeof part === "string") return part;
  const object = part as Record<string, unknown>;
  const getAtt = object["Fn::GetAtt"] as [string, string] | undefined;
  if (getAtt && getAtt[1] === "Arn" && template.Resources[getAtt[0]]?.Type === "AWS::Lambda::Function") {
    return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:dts-${functionName(template, getAtt[0])}`;
  }
  const ref = object.Ref as string | undefined;
  const pseudo: Record<string, string> = {
    "AWS::Partition": "aws",
    "AWS::Region": LOCAL_REGION,
    "AWS::AccountId": LOCAL_ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com",
  };
  if (ref && pseudo[ref]) return pseudo[ref];
  if (ref && template.Resources[ref]) return `local-${ref}`;
  throw new Error(`the local runner cannot resolve ${JSON.stringify(part)} in the state machine definition`);
}

function collectTasks(states: Record<string, Record<string, unknown>>, out: Record<string, string>): void {
  for (const [name, state] of Object.entries(states)) {
    const match = typeof state.Resource === "string" ? FUNCTION_ARN.exec(state.Resource) : null;
    if (state.Type === "Task" && match?.[1]) out[name] = match[1];
    for (const key of ["Iterator", "ItemProcessor"]) {
      const inner = state[key] as { States?: Record<string, Record<string, unknown>> } | undefined;
      if (inner?.States) collectTasks(inner.States, out);
    }
    for (const branch of (state.Branches ?? []) as { States: Record<string, Record<string, unknown>> }[]) {
      collectTasks(branch.States, out);
    }
  }
}

/** Resolves the template's state machine DefinitionString (the only one in the stack). */
export function resolveDefinition(template: Template): LocalDefinition {
  const machines = Object.values(template.Resources).filter(
    (r) => r.Type === "AWS::StepFunctions::StateMachine",
  );
  if (machines.length !== 1)
    throw new Error(`expected one state machine in the template, found ${machines.length}`);
  const raw = machines[0]?.Properties?.DefinitionString as string | { "Fn::Join": [string, unknown[]] };
  const text =
    typeof raw === "string"
      ? raw
      : raw["Fn::Join"][1].map((part) => resolvePart(template, part)).join(raw["Fn::Join"][0]);
  const functionsByState: Record<string, string> = {};
  collectTasks(
    (JSON.parse(text) as { States: Record<string, Record<string, unknown>> }).States,
    functionsByState,
  );
  return { text, functionsByState };
}
