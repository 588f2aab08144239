import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The checkout this code runs from: the nearest directory above this module holding cdk.json.
 * Found by walking up, so it holds both for the sources and for the bundled CLI (bin/dts.js),
 * which runs from .stack/cache.
 */
function checkoutRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "cdk.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no cdk.json above ${from}: run dts from its checkout`);
  }
}

/** Repository root. */
export const REPO_ROOT = checkoutRoot(dirname(fileURLToPath(import.meta.url)));

export function functionEntry(name: string): string {
  return join(REPO_ROOT, "functions", name, "handler.ts");
}
