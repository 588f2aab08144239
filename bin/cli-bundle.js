// The CLI as one esbuild bundle (split per command), kept in .stack/cache and rebuilt whenever a
// source it was built from changes. Running the TypeScript through tsx costs every command about
// 0.2-0.3 s of module loading (measured: `dts --help` 0.30 s through tsx, 0.14 s bundled); dts
// falls back to tsx when the bundle cannot be built (a syntax error is then reported by tsx) or
// when DTS_NO_BUNDLE is set.
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

/** The entry of a bundle built from the sources as they are now, or undefined. */
export async function bundledCli(repo) {
  if (process.env.DTS_NO_BUNDLE) return undefined;
  const cache = join(repo, ".stack", "cache");
  const manifestFile = join(cache, "cli.json");
  try {
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
    const now = stamps(repo, Object.keys(manifest.inputs));
    if (now && sameStamps(now, manifest.inputs)) return join(cache, manifest.dir, "main.js");
  } catch {
    // no bundle yet, or an unreadable manifest: build one
  }
  return build(repo, cache, manifestFile);
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
      entryPoints: ["cli/main.ts"],
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      target: "node20",
      packages: "external",
      outdir,
      metafile: true,
      logLevel: "silent",
    });
    // Stamps taken after the build: a file edited during it is newer than its stamp only if the
    // edit came later, and the next run rebuilds then.
    const inputs = stamps(repo, [...Object.keys(result.metafile.inputs), "package.json", "tsconfig.json"]);
    if (!inputs) throw new Error("an input vanished during the build");
    const next = `${manifestFile}.${process.pid}`;
    writeFileSync(next, JSON.stringify({ dir, inputs }));
    renameSync(next, manifestFile);
    removeOldBundles(cache, dir);
    return join(outdir, "main.js");
  } catch {
    rmSync(outdir, { recursive: true, force: true });
    return undefined;
  }
}

/** Bundles a day old: a process still running one has loaded its chunks long ago. */
function removeOldBundles(cache, keep) {
  const dayAgo = Date.now() - 86_400_000;
  for (const name of readdirSync(cache)) {
    if (!name.startsWith("cli-") || name === keep) continue;
    try {
      if (statSync(join(cache, name)).mtimeMs < dayAgo)
        rmSync(join(cache, name), { recursive: true, force: true });
    } catch {
      // removed by another run meanwhile
    }
  }
}
