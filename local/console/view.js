// Rendering for the dts console: DOM built with textContent only (never innerHTML), so nothing a
// task carries (names, error messages) can become markup or script.

/** An element with attributes and children (strings become text nodes; null/false are skipped). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "className") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  }
  return element;
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function count(value) {
  return value === null || value === undefined ? "—" : integer.format(value);
}

export function seconds(value) {
  if (value === null || value === undefined) return "—";
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  if (value < 10) return `${value.toFixed(2)} s`;
  if (value < 120) return `${value.toFixed(1)} s`;
  return duration(value);
}

export function duration(totalSeconds) {
  if (!Number.isFinite(totalSeconds)) return "—";
  const s = Math.max(0, Math.round(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${s % 60} s`;
  return `${s} s`;
}

export function time(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

export function phaseBadge(phase) {
  return h("span", { className: `phase ${phase}`, "data-field": "phase" }, phase);
}

function lastErrorText(lastError) {
  if (!lastError) return "";
  return [lastError.state, lastError.error, lastError.cause].filter(Boolean).join(": ");
}

/** The task list; `rates` maps a task name to rows/s measured between two refreshes. */
export function taskList(tasks, rates) {
  if (tasks.length === 0) {
    return h("p", { className: "muted" }, "No tasks yet: create one with `dts run <spec>` or POST /tasks.");
  }
  const head = ["Task", "Phase", "Position", "Progress", "Latency", "Rows/s", "Rows", "Last error"];
  return h(
    "table",
    { "data-view": "task-list" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        head.map((name) => h("th", {}, name)),
      ),
    ),
    h(
      "tbody",
      {},
      tasks.map((task) =>
        h(
          "tr",
          { "data-task": task.name },
          h("td", {}, h("a", { href: `#/task/${encodeURIComponent(task.name)}` }, task.name)),
          h("td", {}, phaseBadge(task.phase)),
          h("td", { "data-field": "position" }, task.position ?? "—"),
          h(
            "td",
            { className: "num", "data-field": "progress" },
            task.progressPercent === null ? "—" : `${task.progressPercent}%`,
          ),
          h("td", { className: "num", "data-field": "latency" }, seconds(task.latencySeconds)),
          h("td", { className: "num", "data-field": "rate" }, count(rates.get(task.name))),
          h("td", { className: "num", "data-field": "rows" }, count(task.rows)),
          h("td", { className: "error", "data-field": "last-error" }, lastErrorText(task.lastError)),
        ),
      ),
    ),
  );
}

function card(title, field, ...content) {
  return h("section", { className: "card", "data-card": field }, h("h2", {}, title), ...content);
}

function pairs(entries) {
  return h(
    "dl",
    {},
    entries
      .filter(Boolean)
      .flatMap(([label, value, field]) => [
        h("dt", {}, label),
        h("dd", field ? { "data-field": field } : {}, value),
      ]),
  );
}

function timeline(view) {
  const steps = [
    ["created", view.createdAt],
    ["prechecked", view.precheck?.finishedAt],
    ["schema done", view.schema?.completedAt],
    ["full load started", view.fullLoad?.startedAt],
    ["full load done", view.fullLoad?.completedAt],
    ["indexes started", view.indexes?.startedAt],
    ["indexes done", view.indexes?.completedAt],
    ["last applied change", view.incremental?.updatedAt],
    ["updated", view.updatedAt],
  ].filter(([, at]) => at);
  return card("Timeline", "timeline", pairs(steps.map(([label, at]) => [label, time(at)])));
}

function precheckCard(precheck) {
  if (!precheck) return card("Precheck", "precheck", h("p", { className: "muted" }, "Not prechecked yet."));
  const counts = Object.entries(precheck.counts)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ");
  return card(
    "Precheck",
    "precheck",
    h("p", {}, precheck.passed ? "Passed" : "Failed", ` (${counts}) at ${time(precheck.finishedAt)}`),
    precheck.problems.length > 0 &&
      h(
        "ul",
        { className: "problems" },
        precheck.problems.map((p) =>
          h(
            "li",
            { className: p.status === "fail" ? "error" : "warning" },
            `${p.id} (${p.status}): ${p.detail}`,
            p.fix && h("div", { className: "fix" }, `Fix: ${p.fix}`),
          ),
        ),
      ),
  );
}

/** Shown table by table while the load runs: those not done (up to 50), and how many are. */
const TABLES_SHOWN = 50;

function tableProgress(fullLoad) {
  const tables = fullLoad.tables ?? [];
  if (tables.length === 0) return null;
  const open = tables.filter((t) => t.chunksDone < t.chunks);
  const done = tables.length - open.length;
  const eta = (t) =>
    fullLoad.rowsPerSecond > 0
      ? duration(Math.max(0, t.estimatedRows - t.rowsCopied) / fullLoad.rowsPerSecond)
      : "—";
  return h(
    "div",
    {},
    h(
      "table",
      { "data-view": "full-load-tables" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Table", "Chunks", "Rows", "%", "ETA"].map((name) => h("th", {}, name)),
        ),
      ),
      h(
        "tbody",
        {},
        open
          .slice(0, TABLES_SHOWN)
          .map((t) =>
            h(
              "tr",
              { "data-table": t.table },
              h("td", {}, t.table),
              h("td", { className: "num" }, `${count(t.chunksDone)} / ${count(t.chunks)}`),
              h("td", { className: "num" }, `${count(t.rowsCopied)} / ~${count(t.estimatedRows)}`),
              h("td", { className: "num", "data-field": "table-percent" }, `${t.percent}%`),
              h("td", { className: "num" }, eta(t)),
            ),
          ),
      ),
    ),
    h(
      "p",
      { className: "muted", "data-field": "tables-done" },
      `${count(done)} of ${count(tables.length)} tables copied` +
        (open.length > TABLES_SHOWN ? `; ${count(open.length - TABLES_SHOWN)} more to copy not shown` : "") +
        ". ETA per table at the whole load's rate.",
    ),
  );
}

function fullLoadCard(fullLoad) {
  if (!fullLoad) return null;
  const left = fullLoad.estimatedRows - fullLoad.rowsCopied;
  const eta = fullLoad.completedAt
    ? "done"
    : fullLoad.rowsPerSecond > 0
      ? duration(Math.max(0, left) / fullLoad.rowsPerSecond)
      : "—";
  return card(
    "Full load",
    "full-load",
    h("progress", { max: 100, value: fullLoad.percent }),
    pairs([
      ["progress", `${fullLoad.percent}%`, "full-load-percent"],
      ["rows", `${count(fullLoad.rowsCopied)} of ~${count(fullLoad.estimatedRows)}`, "full-load-rows"],
      ["chunks", `${count(fullLoad.chunksDone)} of ${count(fullLoad.chunks)}`, "full-load-chunks"],
      ["rate", `${count(fullLoad.rowsPerSecond)} rows/s`],
      ["ETA", eta, "full-load-eta"],
    ]),
    tableProgress(fullLoad),
  );
}

function indexesCard(indexes) {
  if (!indexes) return null;
  return card(
    "Index builds",
    "indexes",
    pairs([
      ["tables", count(indexes.tables)],
      ["pending", indexes.pending.length > 0 ? indexes.pending.join(", ") : "none", "indexes-pending"],
      ["done", time(indexes.completedAt)],
    ]),
  );
}

function incrementalCard(incremental) {
  if (!incremental) return null;
  const { position } = incremental;
  return card(
    "Incremental",
    "incremental",
    pairs([
      ["latency", seconds(incremental.latencyMs / 1000), "latency"],
      ["throughput", `${count(incremental.rowsPerSecond)} rows/s`, "rate"],
      ["applied rows", count(incremental.appliedRows), "applied-rows"],
      [
        "position",
        `${position.file}:${position.position}${position.gtid ? ` (${position.gtid})` : ""}`,
        "position",
      ],
    ]),
    incremental.warning && h("p", { className: "warning", "data-field": "warning" }, incremental.warning),
  );
}

/** The task page's cards (everything but the header, actions and charts). */
export function taskCards(view) {
  return h(
    "div",
    { className: "grid" },
    timeline(view),
    precheckCard(view.precheck),
    fullLoadCard(view.fullLoad),
    indexesCard(view.indexes),
    incrementalCard(view.incremental),
    view.lastError &&
      card(
        "Last error",
        "last-error",
        h("p", { className: "error", "data-field": "last-error" }, lastErrorText(view.lastError)),
        h("p", { className: "muted" }, time(view.lastError.at)),
      ),
  );
}

/**
 * The chart's points: the tailer's stored samples (one a minute, the last 24 hours, kept across
 * `dts serve` restarts) up to where this server's own 5 s samples begin, then those. Each point is
 * {at (epoch ms), latencySeconds, rowsPerSecond}.
 */
export function chartPoints(stored, live) {
  const liveFrom = live.length > 0 ? live[0].at : Number.POSITIVE_INFINITY;
  const older = stored
    .map((s) => ({ at: Date.parse(s.at), latencySeconds: s.latencySeconds, rowsPerSecond: s.rowsPerSecond }))
    .filter((s) => s.at < liveFrom);
  return [
    ...older,
    ...live.map(({ at, latencySeconds, rowsPerSecond }) => ({ at, latencySeconds, rowsPerSecond })),
  ];
}
