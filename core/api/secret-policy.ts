import type { SpecProblem } from "../spec/load.ts";
import type { TaskSpec } from "../spec/schema.ts";
import type { SecretPolicy } from "./ports.ts";

interface SecretFields {
  password?: string | undefined;
  passwordSecretArn?: string | undefined;
}

/** Every place a spec holds credentials, with its JSON path. */
function credentialFields(spec: TaskSpec): { path: string; fields: SecretFields }[] {
  const found = [{ path: "$.source", fields: spec.source as SecretFields }];
  const destination = spec.destination;
  if (destination.type === "mysql") found.push({ path: "$.destination", fields: destination });
  else if (destination.sasl) found.push({ path: "$.destination.sasl", fields: destination.sasl });
  return found;
}

/** The secret's name from its ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 chars>). */
export function secretName(arn: string): string {
  return arn.slice(arn.indexOf(":secret:") + ":secret:".length);
}

/**
 * Problems with where the spec's passwords come from: in AWS a password in the spec would be
 * stored in DynamoDB and shown in the Step Functions console, and a secret outside the stack's
 * prefix could not be read by the functions or the tailer.
 */
export function secretProblems(spec: TaskSpec, policy: SecretPolicy): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const prefix = policy.namePrefix ?? "";
  for (const { path, fields } of credentialFields(spec)) {
    if (policy.requireSecretArns && fields.password !== undefined) {
      problems.push({
        path: `${path}.password`,
        received: "a password (hidden)",
        message: `passwords do not go into specs in AWS (they would be stored with the task and shown in the console): store it in Secrets Manager${prefix ? ` under a name starting with "${prefix}"` : ""} and set passwordSecretArn instead`,
      });
    }
    const arn = fields.passwordSecretArn;
    if (arn !== undefined && prefix && !secretName(arn).startsWith(prefix)) {
      problems.push({
        path: `${path}.passwordSecretArn`,
        received: JSON.stringify(arn),
        message: `the stack may read only secrets whose name starts with "${prefix}": create the secret as ${prefix}${secretName(arn).replace(/-[A-Za-z0-9]{6}$/, "")} (or deploy with another secretNamePrefix)`,
      });
    }
  }
  return problems;
}
