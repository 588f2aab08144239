// The CLI as one esbuild bundle (split per command), kept in .stack/cache and rebuilt whenever a
// source it was built from changes. The local tailer (container/main.ts) is an entry of the same
// bundle: it runs bundled as in its container, about 45 MB smaller than through tsx. Running the TypeScript through tsx costs every command about
// 0.2-0.3 s of module loading (measured: `dts --help` 0.30 s through tsx, 0.14 s bundled); dts
// falls back to tsx when the bundle cannot be built (a syntax error is then reported by tsx) or
// when DTS_NO_BUNDLE is set.
//
// The packages are bundled too: loading them one file at a time from node_modules was most of the
// rest (`dts run` of a one-row table: ~1.0 s to "Running task" with them outside the bundle, ~0.5 s
// inside, on a slow day of this machine). The CDK, needed only to synthesize the definition once,
// stays outside. The bundle is rebuilt when package-lock.json or npm's record of node_modules changes.
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** mtime and size of each file, or undefined when one is missing. */
function stamps(repo, files) {
  const out = {};
  for (const file of files) {
    try {
      const stat = statSync(join(repo, file));
      out[file] = `${stat.mtimeMs}:${stat.size}`;
    } catch {
      return undefined;
    }
  }
  return out;
}

function sameStamps(a, b) {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * Loaded from node_modules when used: the CDK (synthesis only), the build tools, and the Kafka
 * client's WebAssembly helpers (they read native.wasm beside their own file) with the buffer
 * package they share with the client (one copy, or its instance checks fail).
 */
const EXTERNAL = [
  "@platformatic/dynamic-buffer",
  "@platformatic/wasm-utils",
  "aws-cdk-lib",
  "aws-cdk-lib/*",
  "constructs",
  "@aws-cdk/*",
  "cdk-nag",
  "esbuild",
  "tsx",
  "tsx/*",
];
/** What changes when packages are installed (npm rewrites its record of node_modules on every install), and this builder. */
const INSTALL_RECORDS = [
  "bin/cli-bundle.js",
  "package.json",
  "tsconfig.json",
  "package-lock.json",
  "node_modules/.package-lock.json",
];

/** The CLI's entry in a bundle built from the sources as they are now, or undefined. */
export async function bundledCli(repo) {
  return bundledEntry(repo, "main.js");
}

/**
 * The tailer's entry (container/main.ts) in the same bundle: a local tailer runs bundled, as the
 * container does, without tsx's loader and its copy of every module's source in memory.
 */
export async function bundledTailer(repo) {
  return bundledEntry(repo, "tailer.js");
}

async function bundledEntry(repo, entry) {
  if (process.env.DTS_NO_BUNDLE) return undefined;
  const cache = join(repo, ".stack", "cache");
  const manifestFile = join(cache, "cli.json");
  try {
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
    const now = stamps(repo, Object.keys(manifest.inputs));
    if (now && sameStamps(now, manifest.inputs)) return join(cache, manifest.dir, entry);
  } catch {
    // no bundle yet, or an unreadable manifest: build one
  }
  const dir = await build(repo, cache, manifestFile);
  return dir && join(dir, entry);
}

async function build(repo, cache, manifestFile) {
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch {
    return undefined;
  }
  const dir = `cli-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
  const outdir = join(cache, dir);
  try {
    mkdirSync(cache, { recursive: true });
    const result = await esbuild.build({
      absWorkingDir: repo,
      entryPoints: { main: "cli/main.ts", tailer: "container/main.ts" },
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      target: "node20",
      // CommonJS packages inside an ESM bundle call require() for Node's own modules.
      banner: {
        js: "import { createRequire as __dtsCreateRequire } from 'node:module'; const require = __dtsCreateRequire(import.meta.url);",
      },
      external: EXTERNAL,
      outdir,
      metafile: true,
      logLevel: "silent",
    });
    // Stamps taken after the build: a file edited during it is newer than its stamp only if the
    // edit came later, and the next run rebuilds then.
    const sources = Object.keys(result.metafile.inputs).filter((file) => !file.includes("node_modules/"));
    const inputs = stamps(repo, [...sources, ...INSTALL_RECORDS]);
    if (!inputs) throw new Error("an input vanished during the build");
    const next = `${manifestFile}.${process.pid}`;
    writeFileSync(next, JSON.stringify({ dir, inputs }));
    renameSync(next, manifestFile);
    removeOldBundles(cache, dir);
    return outdir;
  } catch {
    rmSync(outdir, { recursive: true, force: true });
    return undefined;
  }
}

/**
 * Bundles a day old: a command still running one has loaded its chunks long ago. A local tailer
 * runs for weeks and may load a chunk late: the bundle of a live tailer (pid files in .stack/) stays.
 */
function removeOldBundles(cache, keep) {
  const dayAgo = Date.now() - 86_400_000;
  const inUse = tailerCommandLines(join(cache, ".."));
  for (const name of readdirSync(cache)) {
    if (!name.startsWith("cli-") || name === keep) continue;
    if (inUse.some((command) => command.includes(`/${name}/`))) continue;
    try {
      if (statSync(join(cache, name)).mtimeMs < dayAgo)
        rmSync(join(cache, name), { recursive: true, force: true });
    } catch {
      // removed by another run meanwhile
    }
  }
}

/** The command lines of the live processes named by the tailer pid files in `stackDir`. */
function tailerCommandLines(stackDir) {
  const commands = [];
  try {
    for (const file of readdirSync(stackDir)) {
      if (!/^tailer-.*\.pid$/.test(file)) continue;
      try {
        const pid = Number(readFileSync(join(stackDir, file), "utf8"));
        commands.push(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
      } catch {
        // gone, or not a Linux /proc: nothing to keep for it
      }
    }
  } catch {
    // no .stack yet
  }
  return commands;
}
