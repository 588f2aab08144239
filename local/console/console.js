// The dts console: reads the task API of `dts serve` with the run's token and draws the task list
// and a task page. The token arrives once in the URL fragment (never sent to the server in a URL),
// is kept in sessionStorage for this tab, and goes out only as the Authorization header.
import uPlot from "./uplot.js";
import { chartPoints, count, h, phaseBadge, seconds, taskCards, taskList } from "./view.js";

const REFRESH_MS = 2000;
// The tailer stores a history sample a minute: reading it more often finds nothing new.
const STORED_HISTORY_MS = 60_000;
const TOKEN_KEY = "dts-token";
const main = document.getElementById("main");
const status = document.getElementById("status");
const notice = document.getElementById("notice");

class ApiFailure extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
  }
}

function takeToken() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    // Off the address bar and out of the history: the fragment did its job.
    history.replaceState(null, "", `${location.pathname}#/`);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

async function api(method, path) {
  const headers = { authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}` };
  // The API refuses changes without this type: a cross-site form cannot send it, this page can.
  if (method !== "GET") headers["content-type"] = "application/json";
  const response = await fetch(path, { method, headers, cache: "no-store" });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiFailure(response.status, body);
  return body;
}

function say(text, isError = false) {
  status.textContent = text;
  status.className = isError ? "error" : "";
}

/** What an action did: it stays until the next action or page, unlike the refresh status. */
function notify(text, isError = false) {
  notice.textContent = text;
  notice.className = isError ? "error" : "";
}

function tokenForm(reason) {
  const input = h("input", { type: "password", name: "token", autocomplete: "off", "aria-label": "token" });
  const form = h(
    "form",
    {
      className: "token",
      onsubmit: (event) => {
        event.preventDefault();
        sessionStorage.setItem(TOKEN_KEY, input.value.trim());
        route();
      },
    },
    h("p", {}, reason),
    h(
      "p",
      { className: "muted" },
      "Open the console URL `dts serve` printed (it carries the token), or paste the token:",
    ),
    input,
    " ",
    h("button", { type: "submit" }, "Open"),
  );
  main.replaceChildren(form);
}

// One page is shown at a time; a refresh started for a page that is gone is dropped.
let generation = 0;
let timer;

function schedule(refresh) {
  clearTimeout(timer);
  const mine = generation;
  const tick = async () => {
    try {
      await refresh();
      if (mine === generation) say(`updated ${new Date().toLocaleTimeString()}`);
    } catch (error) {
      if (mine !== generation) return;
      if (error instanceof ApiFailure && error.status === 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        tokenForm("The token was refused (dts serve prints a new one each run).");
        return;
      }
      say(`refresh failed: ${error.message}`, true);
    }
    if (mine === generation) timer = setTimeout(tick, REFRESH_MS);
  };
  void tick();
}

function listPage() {
  const previous = new Map();
  const rates = new Map();
  main.replaceChildren(h("h1", {}, "Tasks"), h("div", { id: "tasks" }));
  schedule(async () => {
    const { tasks } = await api("GET", "/tasks");
    const now = Date.now();
    for (const task of tasks) {
      const before = previous.get(task.name);
      if (before && now > before.at)
        rates.set(task.name, Math.max(0, ((task.rows - before.rows) * 1000) / (now - before.at)));
      previous.set(task.name, { rows: task.rows, at: now });
    }
    document.getElementById("tasks")?.replaceChildren(taskList(tasks, rates));
  });
}

function chart(title, label, target) {
  const options = {
    title,
    width: Math.max(300, (target.clientWidth || 592) - 40),
    height: 200,
    series: [{}, { label, stroke: "#2463eb", width: 2, spanGaps: true }],
    axes: [{}, { size: 60 }],
  };
  return new uPlot(options, [[], []], target);
}

function actionButtons(view, name) {
  const busy = view.running.executions.length > 0 || view.running.tailer !== null;
  const act = (action) => async () => {
    notify(`${action}…`);
    try {
      const outcome = await api("POST", `/tasks/${encodeURIComponent(name)}/${action}`);
      notify(outcome.message ?? `precheck ${outcome.passed ? "passed" : "failed"}`);
    } catch (error) {
      notify(`${action} refused: ${error.message}`, true);
    }
  };
  const canResume = !busy && ["paused", "failed"].includes(view.phase);
  return h(
    "div",
    { className: "actions" },
    h("button", { type: "button", "data-action": "pause", disabled: !busy, onclick: act("pause") }, "Pause"),
    h(
      "button",
      { type: "button", "data-action": "resume", disabled: !canResume, onclick: act("resume") },
      "Resume",
    ),
    h(
      "button",
      { type: "button", "data-action": "precheck", disabled: busy, onclick: act("precheck") },
      "Precheck",
    ),
  );
}

function taskPage(name) {
  const title = h("h1", {}, name);
  const actions = h("div");
  const cards = h("div");
  const latencyTarget = h("div", { className: "card chart", "data-chart": "latency" });
  const rateTarget = h("div", { className: "card chart", "data-chart": "throughput" });
  main.replaceChildren(
    h("p", {}, h("a", { href: "#/" }, "← all tasks")),
    title,
    actions,
    cards,
    h(
      "h2",
      {},
      "Incremental latency and throughput (the tailer's sample a minute for the last 24 h, then dts serve's every 5 s)",
    ),
    h("div", { className: "grid" }, latencyTarget, rateTarget),
  );
  const latencyChart = chart("Latency (s)", "latency s", latencyTarget);
  const rateChart = chart("Throughput (rows/s)", "rows/s", rateTarget);
  const path = encodeURIComponent(name);
  let stored = { samples: [], readAt: 0 };
  // Only what is new is asked for (since the last sample held); a failed read leaves the charts to
  // the live samples, never fails the page.
  const storedHistory = async () => {
    if (Date.now() - stored.readAt < STORED_HISTORY_MS) return stored.samples;
    const last = stored.samples.at(-1);
    const query = last ? `?since=${encodeURIComponent(last.at)}` : "";
    const answer = await api("GET", `/tasks/${path}/history${query}`).catch(() => ({ samples: [] }));
    const byTime = new Map([...stored.samples, ...answer.samples].map((s) => [s.at, s]));
    const dayAgo = Date.now() - 24 * 3600_000;
    const samples = [...byTime.values()]
      .filter((s) => Date.parse(s.at) > dayAgo)
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    stored = { samples, readAt: Date.now() };
    return samples;
  };
  schedule(async () => {
    const [view, history, samples] = await Promise.all([
      api("GET", `/tasks/${path}`),
      api("GET", `/console/history/${path}`),
      storedHistory(),
    ]);
    title.replaceChildren(`${view.name} `, phaseBadge(view.phase));
    actions.replaceChildren(actionButtons(view, name));
    cards.replaceChildren(taskCards(view));
    const points = chartPoints(samples, history.samples);
    const xs = points.map((s) => s.at / 1000);
    latencyChart.setData([xs, points.map((s) => s.latencySeconds)]);
    rateChart.setData([xs, points.map((s) => s.rowsPerSecond)]);
    document.title = `${view.name} · ${view.phase} · ${seconds(view.latencySeconds)} · ${count(view.rows)} rows`;
  });
}

function route() {
  generation++;
  notify("");
  clearTimeout(timer);
  if (!takeToken()) {
    tokenForm("No token yet.");
    return;
  }
  const task = /^#\/task\/(.+)$/.exec(location.hash);
  if (task) taskPage(decodeURIComponent(task[1]));
  else listPage();
}

window.addEventListener("hashchange", route);
route();
