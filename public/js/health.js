// The health strip on top of the page: callbacks per minute and how many failed over the last hour
// (GET /api/deliveries?stats=1), drawn as a small inline SVG chart — one bar a minute, its failed part
// in red. Refreshed at most every 10 s from main.js's loop. It also tells main.js whether LangSmith
// links can be drawn (hooks).
import { ApiError, getStats } from "./api.js";
import { $, el } from "./dom.js";

const REFRESH_MS = 10_000;
const SVG = "http://www.w3.org/2000/svg";
const CHART = { width: 240, height: 36 };

const hooks = {
  /** The LangSmith facts of the answer ({studio_thread_url, deployment_url} or null). */
  onLangSmith: (_langsmith) => {},
};

const state = { at: 0, busy: false, signature: "" };

export function initHealth({ onLangSmith }) {
  hooks.onLangSmith = onLangSmith;
}

/** Loads the figures when the last load is older than REFRESH_MS (or `force`). */
export async function refreshHealth(force = false) {
  if (state.busy || (!force && Date.now() - state.at < REFRESH_MS)) return;
  state.busy = true;
  try {
    const answer = await getStats();
    state.at = Date.now();
    hooks.onLangSmith(answer.langsmith ?? null);
    const signature = JSON.stringify(answer.stats);
    if (signature !== state.signature) {
      state.signature = signature;
      draw(answer.stats);
    }
  } catch (error) {
    if (error instanceof ApiError && error.status !== 401) {
      $("health-note").textContent = `Health figures unavailable: ${error.message}`;
      state.at = Date.now();
    }
  } finally {
    state.busy = false;
  }
}

function percent(part, whole) {
  if (whole === 0) return "0 %";
  const value = (part * 100) / whole;
  return `${value > 0 && value < 10 ? value.toFixed(1) : Math.round(value)} %`;
}

function draw(stats) {
  const atLeast = stats.complete ? "" : "≥ ";
  const perMinute = stats.callbacks / (stats.buckets.length || 60);
  // The last full minute, not the one under way (which reads 0 seconds after a callback).
  const lastFull = stats.buckets.at(-2)?.callbacks ?? 0;
  setFigure("health-rate", `${atLeast}${perMinute < 10 ? perMinute.toFixed(1) : Math.round(perMinute)}`, `${atLeast}${stats.callbacks} in the last hour · ${lastFull} in the last full minute`);
  setFigure("health-failed", percent(stats.failed, stats.callbacks), `${stats.failed} deliver${stats.failed === 1 ? "y" : "ies"} failed or dead`, stats.failed > 0);
  setFigure("health-errors", percent(stats.run_errors, stats.callbacks), `${stats.run_errors} run${stats.run_errors === 1 ? "" : "s"} ended in error`, stats.run_errors > 0);
  setFigure("health-pending", String(stats.pending), stats.pending === 1 ? "delivery routing or retrying" : "deliveries routing or retrying");
  $("health-note").textContent = stats.complete ? "" : "More than 1000 callbacks this hour: the figures count the newest 1000.";
  $("health-chart").replaceChildren(chart(stats), axis(stats));
}

/** The hour the chart spans, under it: its start on the left, now on the right. */
function axis(stats) {
  const first = stats.buckets[0]?.start;
  const time = (value) => new Date(value).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return el(
    "div",
    { class: "chart-axis", "aria-hidden": "true" },
    el("span", { text: first === undefined ? "1 h ago" : time(first) }),
    el("span", { text: "now" }),
  );
}

function setFigure(id, value, caption, bad = false) {
  const figure = $(id);
  figure.querySelector(".value").textContent = value;
  figure.querySelector(".caption").textContent = caption;
  figure.classList.toggle("bad", bad);
}

/** One bar a minute, scaled to the busiest minute; the failed part drawn over it in red. */
function chart(stats) {
  const max = Math.max(1, ...stats.buckets.map((bucket) => bucket.callbacks));
  const width = CHART.width / stats.buckets.length;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${CHART.width} ${CHART.height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  const busiest = stats.buckets.reduce((best, bucket) => (bucket.callbacks > best.callbacks ? bucket : best), stats.buckets[0] ?? { callbacks: 0 });
  svg.setAttribute(
    "aria-label",
    `Callbacks per minute over the last hour: ${stats.callbacks} in all, at most ${busiest.callbacks} in one minute, ${stats.failed} failed.`,
  );
  svg.append(rect(0, CHART.height - 1, CHART.width, 1, "axis"));
  stats.buckets.forEach((bucket, index) => {
    if (bucket.callbacks === 0) return;
    const height = Math.max(2, (bucket.callbacks / max) * (CHART.height - 2));
    const x = index * width + 0.5;
    const bar = rect(x, CHART.height - 1 - height, Math.max(1, width - 1), height, "bar");
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${new Date(bucket.start).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}: ${bucket.callbacks} callback${bucket.callbacks === 1 ? "" : "s"}, ${bucket.failed} failed`;
    bar.append(title);
    svg.append(bar);
    if (bucket.failed > 0) {
      const failedHeight = Math.max(2, (bucket.failed / max) * (CHART.height - 2));
      svg.append(rect(x, CHART.height - 1 - failedHeight, Math.max(1, width - 1), failedHeight, "bar failed"));
    }
  });
  return svg;
}

function rect(x, y, width, height, cls) {
  const node = document.createElementNS(SVG, "rect");
  for (const [name, value] of Object.entries({ x, y, width, height })) node.setAttribute(name, String(Number(value.toFixed(2))));
  node.setAttribute("class", cls);
  return node;
}

/** An empty strip (at sign-in), so old figures never show for a new token. */
export function resetHealth() {
  state.at = 0;
  state.signature = "";
  for (const id of ["health-rate", "health-failed", "health-errors", "health-pending"]) setFigure(id, "…", "");
  $("health-chart").replaceChildren(el("span", { class: "visually-hidden", text: "Loading the chart…" }));
}
