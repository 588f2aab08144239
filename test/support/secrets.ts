import { expect } from "vitest";
import type { SecretsClient } from "#core/adapters/secrets.ts";

/** Secrets Manager as a test sets it (no AWS here): one secret's current value, and how often it was read. */
export class FakeSecrets implements SecretsClient {
  reads = 0;
  constructor(
    private readonly arn: string,
    public value: string,
  ) {}
  async secretString(arn: string): Promise<string> {
    expect(arn).toBe(this.arn);
    this.reads++;
    return this.value;
  }
}
