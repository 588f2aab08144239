import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { DtsStack, type DtsStackProps } from "#infra/stack.ts";

/** Bundling is exercised by `cdk synth` in the integration tests; here the template's shape matters. */
export function synthStack(props: DtsStackProps = {}, context: Record<string, unknown> = {}) {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [], ...context } });
  const stack = new DtsStack(app, "Dts", props);
  return { app, stack, template: Template.fromStack(stack) };
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

export const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** Statements of every IAM policy attached to the role whose logical id starts with `rolePrefix`. */
export function roleStatements(template: Template, rolePrefix: string): Statement[] {
  const policies = template.findResources("AWS::IAM::Policy");
  return Object.values(policies)
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** Every statement of every IAM policy and inline role policy in the template. */
export function allStatements(template: Template): Statement[] {
  const policies = Object.values(template.findResources("AWS::IAM::Policy")).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as Statement[],
  );
  const inline = Object.values(template.findResources("AWS::IAM::Role")).flatMap((r) =>
    ((r.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
      (p) => p.PolicyDocument.Statement,
    ),
  );
  return [...policies, ...inline];
}

/** The logical id of the Lambda deployed from functions/<name>. */
export function functionId(template: Template, name: string): string {
  const [id] = Object.entries(template.findResources("AWS::Lambda::Function")).find(([, f]) =>
    ((f.Properties.Tags ?? []) as { Key: string; Value: string }[]).some(
      (t) => t.Key === "dts:function" && t.Value === name,
    ),
  ) ?? [undefined];
  if (!id) throw new Error(`no function ${name}`);
  return id;
}

/** The logical id of a function's execution role. */
export function roleOf(template: Template, fnName: string): string {
  const fn = template.findResources("AWS::Lambda::Function")[functionId(template, fnName)];
  if (!fn) throw new Error(`no function ${fnName}`);
  return (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
}

/** A CloudFormation value as text, tokens included, for substring checks. */
export const text = (value: unknown) => JSON.stringify(value);

/** Synthesizing the stack takes seconds, more while other suites run: hooks that do get this long. */
export const SYNTH_TIMEOUT = 120_000;

/** The path of an API Gateway resource of `template`, from its PathPart and its parents'. */
export function apiResourcePath(template: Template, id: string): string {
  const resources = template.findResources("AWS::ApiGateway::Resource");
  const resource = resources[id];
  if (!resource) return "";
  const parent = resource.Properties.ParentId as { Ref?: string };
  const above = parent.Ref && resources[parent.Ref] ? apiResourcePath(template, parent.Ref) : "";
  return `${above}/${resource.Properties.PathPart}`;
}
