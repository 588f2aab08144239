import { execFile } from "node:child_process";
import { existsSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain JS module of bin/, without types
import { bundledCli } from "../../bin/cli-bundle.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

describe("the bundled CLI", () => {
  it("is reused while its sources are unchanged and rebuilt when one changes", async () => {
    const first = (await bundledCli(REPO)) as string;
    expect(first).toMatch(/\.stack\/cache\/cli-[^/]+\/main\.js$/);
    expect(existsSync(first)).toBe(true);
    expect(await bundledCli(REPO)).toBe(first);

    const source = join(REPO, "cli", "main.ts");
    const { atime, mtime } = statSync(source);
    try {
      utimesSync(source, atime, new Date(mtime.getTime() + 1000));
      const rebuilt = (await bundledCli(REPO)) as string;
      expect(rebuilt).not.toBe(first);
      expect(existsSync(rebuilt)).toBe(true);
    } finally {
      utimesSync(source, atime, mtime);
    }
  });

  it("runs the same commands as the TypeScript sources", async () => {
    const bundled = await run("node", [join(REPO, "bin", "dts.js"), "--help"], { cwd: REPO });
    const sources = await run("node", [join(REPO, "bin", "dts.js"), "--help"], {
      cwd: REPO,
      env: { ...process.env, DTS_NO_BUNDLE: "1" },
    });
    expect(bundled.stdout).toContain("Usage: dts");
    expect(bundled.stdout).toBe(sources.stdout);
  });
});
