import { fileURLToPath } from "node:url";

/** Repository root (infra/ is one level below it). */
export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

export function functionEntry(name: string): string {
  return fileURLToPath(new URL(`../functions/${name}/handler.ts`, import.meta.url));
}
