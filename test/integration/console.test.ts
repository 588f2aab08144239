import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEnvironment } from "../../local/environment.ts";
import { type LocalApiServer, startApiServer } from "../../local/server.ts";
import { accountsDatabase, forgetTask, specInput } from "../support/spec-fixtures.ts";
import { REPO } from "../support/stack.ts";
import { waitFor } from "../support/tailer.ts";
import { startWriter, type Writer } from "../support/writer.ts";

/*
 * The web console in a real headless Chromium (Debian's package; .ci/run installs it): the task
 * list while a task runs its full load and then its incremental phase under a writer, the task
 * page's latency moving, pause and resume from the page, and no error in the browser's console.
 */

const CHROMIUM = "/usr/bin/chromium";
const TASK = "console-task";
const DATABASE = "console_src";
const ROWS = 20_000;
const SHOTS = join(REPO, ".stack", "screenshots");

let server: LocalApiServer;
let browser: Browser | undefined;
let writer: Writer | undefined;
const consoleErrors: string[] = [];

interface TaskReply {
  phase?: string;
  running?: { tailer: unknown; executions: string[] };
}

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${server.token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as TaskReply };
}

/** The task's tailer pid while that process is alive (local runner: .stack/tailer-<task>.pid). */
function tailerPid(): number | undefined {
  const file = join(REPO, ".stack", `tailer-${TASK}.pid`);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8"));
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`DTS_TASK=${TASK}`)
      ? pid
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Texts a cell showed, read every 100 ms until `done` says they suffice; on a timeout the error
 * names what was seen and the browser's errors, and a screenshot is left in .stack/screenshots.
 */
/** Seconds in the console's latency text ("14 ms", "2.31 s", "12.5 s", "3 min 4 s", "1 h 2 min"). */
function shownSeconds(text: string): number {
  const ms = /^(\d+) ms$/.exec(text);
  if (ms) return Number(ms[1]) / 1000;
  const s = /^(\d+(?:\.\d+)?) s$/.exec(text);
  if (s) return Number(s[1]);
  const long = /^(?:(\d+) h )?(?:(\d+) min)?(?: (\d+) s)?$/.exec(text);
  if (long && (long[1] || long[2]))
    return Number(long[1] ?? 0) * 3600 + Number(long[2] ?? 0) * 60 + Number(long[3] ?? 0);
  return Number.NaN;
}

async function watchText(page: Page, selector: string, done: (seen: string[]) => boolean, what: string) {
  const seen: string[] = [];
  try {
    await waitFor(
      async () => {
        const cell = page.locator(selector).first();
        const text = (await cell.textContent({ timeout: 1000 }).catch(() => null))?.trim();
        if (text && seen.at(-1) !== text) seen.push(text);
        return done(seen);
      },
      45_000,
      what,
    );
  } catch (error) {
    await page.screenshot({ path: join(SHOTS, "console-failure.png"), fullPage: true });
    throw new Error(
      `${(error as Error).message}; seen ${JSON.stringify(seen)}; browser errors ${JSON.stringify(consoleErrors)}`,
    );
  }
  return seen;
}

beforeAll(async () => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  const stale = tailerPid();
  if (stale) process.kill(stale, "SIGTERM");
  await waitFor(() => tailerPid() === undefined, 30_000, "a previous run's tailer to exit");
  await accountsDatabase(DATABASE, ROWS);
  await forgetTask(TASK);
  server = await startApiServer({ port: 0, historyIntervalMs: 1000 });
  await mkdir(SHOTS, { recursive: true });
});

afterAll(async () => {
  await writer?.stop();
  await browser?.close();
  if (!server) return;
  await api("POST", `/tasks/${TASK}/pause`).catch(() => undefined);
  await server.close();
  const pid = tailerPid();
  if (pid) process.kill(pid, "SIGTERM");
});

describe("the console's files", () => {
  it("are served without the token, with a strict CSP and no framing; task data needs the token", async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("access-control-allow-origin")).toBeNull();
    expect(await page.text()).toContain('<script type="module" src="/console/console.js">');
    // Each body is read to its end: a response left unread holds its connection open.
    const status = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${server.url}${path}`, init);
      await response.arrayBuffer();
      return response.status;
    };
    expect(await status("/console/uplot.js")).toBe(200);
    expect(await status(`/console/history/${TASK}`)).toBe(401);
    expect(await status("/tasks")).toBe(401);
    expect(await status("/", { method: "POST" })).toBe(405);
    expect(await status("/", { headers: { origin: "https://evil.example" } })).toBe(403);
  });
});

describe.skipIf(!existsSync(CHROMIUM))(`the console in headless Chromium (needs ${CHROMIUM})`, () => {
  it("shows a task's full load, then its applied changes, pauses it (its latency grows) and resumes it (it falls back)", async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));

    // The page opens on the URL `dts serve` prints; the token leaves the address bar at once.
    await page.goto(`${server.url}/#token=${server.token}`);
    await page.waitForSelector("#status:has-text('updated')");
    expect(page.url()).not.toContain(server.token);

    const created = await api(
      "POST",
      "/tasks",
      specInput({
        name: TASK,
        objects: [{ database: DATABASE }],
        migrationTypes: ["schema", "full", "incremental"],
        // About 5 s of full load (20,000 rows), for the pages to see it run.
        fullLoad: { chunkRows: 1000, parallelism: 1, rateLimitRowsPerSecond: 4000 },
      }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    writer = await startWriter(DATABASE, "accounts", 7);
    // The task page during the full load shows each table's part of it.
    const loading = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    loading.on("pageerror", (error) => consoleErrors.push(error.message));
    await loading.goto(`${server.url}/#token=${server.token}`);
    await loading.goto(`${server.url}/#/task/${TASK}`);
    const tableRow = `[data-view=full-load-tables] tr[data-table="${DATABASE}.accounts"]`;
    await loading.waitForSelector(tableRow, { timeout: 30_000 }).catch(async (error: Error) => {
      await loading.screenshot({ path: join(SHOTS, "console-failure.png"), fullPage: true });
      throw error;
    });
    expect(await loading.textContent(`${tableRow} [data-field=table-percent]`)).toMatch(/^\d+%$/);
    await loading.screenshot({ path: join(SHOTS, "console-full-load.png"), fullPage: true });
    await loading.close();

    const row = `tr[data-task="${TASK}"]`;
    // Rows move while the full load copies and then while the writer's changes are applied.
    const rows = await watchText(
      page,
      `${row} [data-field=rows]`,
      (seen) => seen.length >= 3,
      "the list's row count to move",
    );
    expect(new Set(rows).size).toBeGreaterThanOrEqual(3);
    await page.waitForSelector(`${row} [data-field=progress]:has-text('100%')`);
    await page.screenshot({ path: join(SHOTS, "console-list.png") });

    await page.click(`${row} a`);
    // Locally the latency is mostly 0-20 ms, so it may read "0 ms" for long: what must move is
    // the work behind it (applied rows), with the latency shown as a time and charted.
    const applied = await watchText(
      page,
      "[data-card=incremental] [data-field=applied-rows]",
      (seen) => seen.length >= 3,
      "the task page's applied rows to move",
    );
    expect(new Set(applied).size).toBeGreaterThanOrEqual(3);
    const latency = (await page.textContent("[data-card=incremental] [data-field=latency]"))?.trim();
    expect(latency).toMatch(/^\d+(\.\d+)? (ms|s)$|min/);
    await waitFor(
      async () => {
        const { samples } = (await (
          await fetch(`${server.url}/console/history/${TASK}`, {
            headers: { authorization: `Bearer ${server.token}` },
          })
        ).json()) as { samples: { latencySeconds: number | null }[] };
        return samples.filter((sample) => sample.latencySeconds !== null).length >= 3;
      },
      30_000,
      "three latency samples in the console's history",
    );
    expect(await page.locator("[data-chart=latency] canvas").count()).toBeGreaterThan(0);
    console.info(`the task page showed applied rows ${applied.join(" → ")} at latency ${latency}`);
    await page.screenshot({ path: join(SHOTS, "console-task.png"), fullPage: true });

    await page.click("button[data-action=pause]:enabled");
    await waitFor(
      async () => {
        const { body } = await api("GET", `/tasks/${TASK}`);
        return (
          body.phase === "paused" && body.running?.tailer === null && body.running.executions.length === 0
        );
      },
      45_000,
      "the task to be paused with its tailer gone",
    );
    await page.waitForSelector("[data-field=phase]:has-text('paused')");
    // Paused while the writer goes on, the destination falls behind: the latency grows.
    const latencyField = "[data-card=incremental] [data-field=latency]";
    const behind = await watchText(
      page,
      latencyField,
      (seen) => seen.filter((text) => shownSeconds(text) >= 1).length >= 2,
      "the paused task's latency to grow",
    );
    const grown = behind.map(shownSeconds).filter((value) => value >= 1);
    expect(grown.at(-1)).toBeGreaterThan(grown[0] as number);
    await page.screenshot({ path: join(SHOTS, "console-paused.png"), fullPage: true });

    await page.click("button[data-action=resume]:enabled", { timeout: 10_000 });
    await waitFor(
      async () => (await api("GET", `/tasks/${TASK}`)).body.phase === "incremental",
      45_000,
      "the resumed task to be incremental again",
    ).catch(async (error: Error) => {
      const shown = await page.textContent("#notice");
      throw new Error(
        `${error.message}; the page said ${JSON.stringify(shown)}; browser errors ${JSON.stringify(consoleErrors)}`,
      );
    });
    await page.waitForSelector("[data-field=phase]:has-text('incremental')");
    // Resumed, the tailer applies what was written meanwhile and the latency falls back.
    const after = await watchText(
      page,
      latencyField,
      (seen) => seen.length > 0 && shownSeconds(seen.at(-1) as string) < 1,
      "the resumed task's latency to fall back under a second",
    );
    console.info(`paused latency ${behind.join(" → ")}; resumed ${after.join(" → ")}`);
    await page.screenshot({ path: join(SHOTS, "console-resumed.png"), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });
});
