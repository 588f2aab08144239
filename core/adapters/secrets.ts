import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { FatalError } from "../errors.ts";

/** Resolves a password: the literal one (local use) or the Secrets Manager secret (AWS). */
export interface Credentials {
  password?: string | undefined;
  passwordSecretArn?: string | undefined;
}

let client: SecretsManagerClient | undefined;
const cache = new Map<string, string>();

export async function resolvePassword(credentials: Credentials): Promise<string> {
  if (credentials.password !== undefined) return credentials.password;
  const arn = credentials.passwordSecretArn;
  if (arn === undefined) return "";
  const cached = cache.get(arn);
  if (cached !== undefined) return cached;
  client ??= new SecretsManagerClient({});
  let text: string | undefined;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
  } catch (error) {
    throw new FatalError(
      `cannot read secret ${arn}: ${(error as Error).message}; grant secretsmanager:GetSecretValue on it to the task's role`,
      { cause: error },
    );
  }
  if (text === undefined)
    throw new FatalError(`secret ${arn} has no string value: store the password as text`);
  const password = secretPassword(text);
  cache.set(arn, password);
  return password;
}

/** A secret holds the password as plain text or as JSON with a "password" key (RDS style). */
export function secretPassword(text: string): string {
  if (text.trimStart().startsWith("{")) {
    try {
      const value = JSON.parse(text) as { password?: unknown };
      if (typeof value.password === "string") return value.password;
    } catch {
      // not JSON after all: the text is the password
    }
  }
  return text;
}
