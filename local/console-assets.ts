import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** A static file of the web console, as `dts serve` sends it. */
export interface ConsoleAsset {
  file: string;
  contentType: string;
}

const own = (name: string) => fileURLToPath(new URL(`./console/${name}`, import.meta.url));
const uplot = (name: string) => createRequire(import.meta.url).resolve(`uplot/dist/${name}`);

/**
 * The console's files by URL path: a fixed list, so no request path ever reaches the file system.
 * uPlot (charts) is served from node_modules as installed.
 */
const ASSETS: Record<string, () => ConsoleAsset> = {
  "/": () => ({ file: own("index.html"), contentType: "text/html; charset=utf-8" }),
  "/console/console.js": () => ({ file: own("console.js"), contentType: "text/javascript; charset=utf-8" }),
  "/console/view.js": () => ({ file: own("view.js"), contentType: "text/javascript; charset=utf-8" }),
  "/console/console.css": () => ({ file: own("console.css"), contentType: "text/css; charset=utf-8" }),
  "/console/uplot.js": () => ({ file: uplot("uPlot.esm.js"), contentType: "text/javascript; charset=utf-8" }),
  "/console/uplot.css": () => ({ file: uplot("uPlot.min.css"), contentType: "text/css; charset=utf-8" }),
};

/**
 * Only scripts and styles from this server, data only from its API, never inside a frame: a page
 * injected into the console could neither load code nor send the token elsewhere.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function isConsolePath(path: string): boolean {
  return Object.hasOwn(ASSETS, path);
}

/** The file and headers for a console path (see isConsolePath). */
export async function consoleAsset(path: string): Promise<{ body: Buffer; headers: Record<string, string> }> {
  const asset = ASSETS[path];
  if (!asset) throw new Error(`not a console path: ${path}`);
  const { file, contentType } = asset();
  return {
    body: await readFile(file),
    headers: {
      "content-type": contentType,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      ...(contentType.startsWith("text/html")
        ? { "content-security-policy": CONSOLE_CSP, "x-frame-options": "DENY" }
        : {}),
    },
  };
}
