import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { reportError } from "../../cli/errors.ts";
import { specInput } from "./spec-fixtures.ts";

/** A password planted in every bad input: no error may ever show it. */
export const PLANTED = "PLANTED-s3cr3t-Zq9";

/** A valid spec carrying the planted secret in every password field, with `overrides` on top. */
export function plantedSpec(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...specInput({
      source: { host: "127.0.0.1", port: 33061, user: "dts", password: PLANTED },
      destination: { type: "mysql", host: "127.0.0.1", port: 33062, user: "dts", password: PLANTED },
    }),
    ...overrides,
  };
}

const dir = mkdtempSync(join(tmpdir(), "dts-bad-input-"));
let files = 0;

/** Writes a spec file (JSON of a value, or raw text) and returns its path. */
export function specFile(content: unknown): string {
  const file = join(dir, `spec-${++files}.json`);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

/** What the CLI prints and returns for an error: the exact path `dts` takes (cli/errors.ts). */
export function cliOutcome(error: unknown): { code: number; stderr: string } {
  let stderr = "";
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: reportError(error, false), stderr };
  } finally {
    process.stderr.write = write;
  }
}

/** Runs `action`, which must fail, and returns what the CLI would print for its error. */
export async function failure(action: () => unknown): Promise<{ code: number; stderr: string }> {
  try {
    await action();
  } catch (error) {
    return cliOutcome(error);
  }
  throw new Error("expected the input to be refused");
}

/** What every refusal must hold: the exit code, where, what to do; no secret, no stack trace. */
export function expectClearRefusal(
  outcome: { code: number; stderr: string },
  expected: { code?: number; path?: string; fix: RegExp },
): void {
  expect(outcome.code, outcome.stderr).toBe(expected.code ?? 2);
  if (expected.path !== undefined) expect(outcome.stderr).toContain(expected.path);
  expect(outcome.stderr).toMatch(expected.fix);
  expect(outcome.stderr).not.toContain(PLANTED);
  expect(outcome.stderr).not.toMatch(/\bat .*\.(ts|js):\d+:\d+/);
  expect(outcome.stderr).not.toMatch(/unexpected error/);
}
