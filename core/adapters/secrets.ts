import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { loadConfig } from "../config.ts";
import { FatalError } from "../errors.ts";

/** Resolves a password: the literal one (local use) or the Secrets Manager secret (AWS). */
export interface Credentials {
  password?: string | undefined;
  passwordSecretArn?: string | undefined;
}

/** The one Secrets Manager call the project makes: the secret's current text, if it has one. */
export interface SecretsClient {
  secretString(arn: string): Promise<string | undefined>;
}

/** Secrets Manager through the AWS SDK (region and credentials from the environment). */
export function awsSecretsClient(): SecretsClient {
  let client: SecretsManagerClient | undefined;
  return {
    async secretString(arn) {
      client ??= new SecretsManagerClient({});
      return (await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
    },
  };
}

/** Fifteen minutes: a rotated password is picked up within that even without an auth error. */
export const DEFAULT_SECRET_TTL_MS = 15 * 60_000;

/** Error code of a login refused with a secret's password even after fetching the secret again. */
export const SECRET_REFUSED = "DTS_SECRET_REFUSED";

export interface SecretCacheOptions {
  client: SecretsClient;
  /** How long a fetched password is used before it is fetched again. */
  ttlMs?: number;
  /** Epoch milliseconds now; Date.now unless a test moves time. */
  clock?: () => number;
}

/**
 * Passwords of Secrets Manager secrets, kept for a TTL: a secret rotated (RDS rotates every 7
 * days by default) is read again after at most the TTL, and at once when a login with the cached
 * password is refused (`connect`).
 */
export class SecretCache {
  private readonly entries = new Map<string, { password: string; fetchedAt: number }>();
  private readonly client: SecretsClient;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: SecretCacheOptions) {
    this.client = options.client;
    this.ttlMs = options.ttlMs ?? DEFAULT_SECRET_TTL_MS;
    this.now = options.clock ?? Date.now;
  }

  async resolve(credentials: Credentials): Promise<string> {
    if (credentials.password !== undefined) return credentials.password;
    const arn = credentials.passwordSecretArn;
    if (arn === undefined) return "";
    const cached = this.entries.get(arn);
    if (cached !== undefined && this.now() - cached.fetchedAt < this.ttlMs) return cached.password;
    const password = await this.fetch(arn);
    this.entries.set(arn, { password, fetchedAt: this.now() });
    return password;
  }

  /** Forgets a secret's password: the next resolve fetches it. */
  invalidate(arn: string): void {
    this.entries.delete(arn);
  }

  /**
   * Logs in with the credentials' password. When the server refuses a password that came from a
   * secret, the secret is fetched again (it may have been rotated) and the login tried once more
   * with the new value; a refusal of the freshly fetched password (or a secret that did not
   * change) is a FatalError with code SECRET_REFUSED. Other errors pass through as they are.
   */
  async connect<T>(
    credentials: Credentials,
    login: (password: string) => Promise<T>,
    isAuthError: (error: unknown) => boolean,
  ): Promise<T> {
    const password = await this.resolve(credentials);
    const arn = credentials.password === undefined ? credentials.passwordSecretArn : undefined;
    try {
      return await login(password);
    } catch (error) {
      if (arn === undefined || !isAuthError(error)) throw error;
      this.invalidate(arn);
      const fresh = await this.resolve(credentials);
      if (fresh === password) throw refused(arn, error, "it has not changed since the refused login");
      try {
        return await login(fresh);
      } catch (second) {
        if (!isAuthError(second)) throw second;
        throw refused(arn, second, "it was fetched again after a first refusal");
      }
    }
  }

  private async fetch(arn: string): Promise<string> {
    let text: string | undefined;
    try {
      text = await this.client.secretString(arn);
    } catch (error) {
      throw new FatalError(
        `cannot read secret ${arn}: ${(error as Error).message}; grant secretsmanager:GetSecretValue on it to the task's role`,
        { cause: error },
      );
    }
    if (text === undefined)
      throw new FatalError(`secret ${arn} has no string value: store the password as text`);
    return secretPassword(text);
  }
}

/** The server's own words (never the password: servers do not echo it), and what to do. */
function refused(arn: string, error: unknown, why: string): FatalError {
  const e = error as { sqlMessage?: string; message?: string };
  const said = e.sqlMessage ?? e.message ?? String(error);
  return Object.assign(
    new FatalError(
      `login refused with the password of secret ${arn}, and ${why} (${said}): put the account's current password in the secret (or finish its rotation), then resume the task`,
      { cause: error },
    ),
    { code: SECRET_REFUSED },
  );
}

let shared: SecretCache | undefined;

/**
 * The process's cache: Secrets Manager, TTL from DTS_SECRET_TTL_SECONDS (core/config.ts). The
 * variables are read here, not through the memoized process config, so opening a connection
 * never fixes the config before its caller (a test, a handler call) has set the environment.
 */
function secretCache(): SecretCache {
  shared ??= new SecretCache({
    client: awsSecretsClient(),
    ttlMs: loadConfig(process.env).secretCache.ttlMs,
  });
  return shared;
}

/** Puts `cache` in place of the process's (tests, and roots that bring their own client); returns an undo. */
export function useSecretCache(cache: SecretCache): () => void {
  const before = shared;
  shared = cache;
  return () => {
    shared = before;
  };
}

export function resolvePassword(credentials: Credentials): Promise<string> {
  return secretCache().resolve(credentials);
}

/** SecretCache.connect on the process's cache: every login that may use a secret goes through it. */
export function connectWithSecret<T>(
  credentials: Credentials,
  login: (password: string) => Promise<T>,
  isAuthError: (error: unknown) => boolean,
): Promise<T> {
  return secretCache().connect(credentials, login, isAuthError);
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

/** Whether `error` (or one of its causes) matches: auth errors arrive wrapped by each adapter. */
export function causedBy(error: unknown, test: (e: Record<string, unknown>) => boolean, depth = 0): boolean {
  if (error === null || typeof error !== "object" || depth > 5) return false;
  const e = error as Record<string, unknown>;
  return test(e) || causedBy(e.cause, test, depth + 1);
}
