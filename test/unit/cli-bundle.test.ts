import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { isTailerCommand, tailerArguments } from "#core/adapters/tailer-command.ts";
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

  it("holds the tailer, which local tasks run bundled as their container does", async () => {
    const args = await tailerArguments(REPO);
    expect(args).toEqual([expect.stringMatching(/\.stack\/cache\/cli-[^/]+\/tailer\.js$/)]);
    expect(isTailerCommand(["node", ...args, ""].join("\0"))).toBe(true);
    // The bundle is container/main.ts: without a task it says what is missing and exits 2.
    const started = await run("node", args, { cwd: REPO, env: { ...process.env, DTS_TASK: "" } }).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect(started).toMatchObject({ code: 2, stdout: expect.stringContaining("DTS_TASK is not set") });

    process.env.DTS_NO_BUNDLE = "1";
    try {
      const sources = await tailerArguments(REPO);
      expect(sources).toEqual(["--import", "tsx", join(REPO, "container", "main.ts")]);
      expect(isTailerCommand(["node", ...sources, ""].join("\0"))).toBe(true);
    } finally {
      delete process.env.DTS_NO_BUNDLE;
    }
    expect(isTailerCommand(["node", join(REPO, "bin", "dts.js"), "run", "spec.json", ""].join("\0"))).toBe(
      false,
    );
  });

  it("keeps a day-old bundle while a live tailer runs from it, and removes the others", async () => {
    const cache = join(REPO, ".stack", "cache");
    const used = join(cache, `cli-test-used-${process.pid}`);
    const unused = join(cache, `cli-test-unused-${process.pid}`);
    const pidFile = join(REPO, ".stack", `tailer-bundle-test-${process.pid}.pid`);
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    for (const dir of [used, unused]) {
      mkdirSync(dir, { recursive: true });
      utimesSync(dir, twoDaysAgo, twoDaysAgo);
    }
    // A process whose command line names the used bundle's tailer, as a local tailer's does.
    const tailer = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)", join(used, "tailer.js")]);
    writeFileSync(pidFile, String(tailer.pid));
    const source = join(REPO, "cli", "main.ts");
    const { atime, mtime } = statSync(source);
    try {
      utimesSync(source, atime, new Date(mtime.getTime() + 2000));
      expect(await bundledCli(REPO)).toBeTruthy();
      expect(existsSync(used)).toBe(true);
      expect(existsSync(unused)).toBe(false);
    } finally {
      utimesSync(source, atime, mtime);
      tailer.kill();
      rmSync(pidFile, { force: true });
      rmSync(used, { recursive: true, force: true });
      rmSync(unused, { recursive: true, force: true });
    }
  });
});
