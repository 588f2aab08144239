import { createInterface } from "node:readline/promises";
import { DtsError } from "#core/errors.ts";

/**
 * Asks before a command that redoes or removes something. `--yes` answers for scripts; without a
 * terminal to ask on, the command is refused rather than assumed.
 */
export async function confirm(question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new DtsError(`${question} No terminal to ask on: add --yes to confirm`);
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await prompt.question(`${question} Type yes to go on: `);
    if (answer.trim().toLowerCase() !== "yes") throw new DtsError("not confirmed: nothing was changed");
  } finally {
    prompt.close();
  }
}
