// The dev server's notice in the top bar (`npm run dev` only): GET /api/dev says which process serves
// the page and how many times its functions were reloaded. A new process means the memory store
// started empty; a reload after a save loses nothing; a save that failed to load is said with its
// error. On Vercel /api/dev answers 404, and the page stops asking. No token is sent: the answer
// holds no secret.
import { $ } from "./dom.js";

const REFRESH_MS = 3000;
const STACK_KEY = "langgraph-relay.dev-stack";
/** The process seen last, kept across reloads of the tab: a restart is noticed after a reload too. */
function rememberedStack() {
  try {
    return sessionStorage.getItem(STACK_KEY);
  } catch {
    return null;
  }
}
const state = { off: false, busy: false, at: 0, stackId: rememberedStack(), generation: null };

const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** Asks /api/dev at most every REFRESH_MS (main.js calls it from the list's loop). */
export async function refreshDevNotice() {
  if (state.off || state.busy || Date.now() - state.at < REFRESH_MS) return;
  state.busy = true;
  state.at = Date.now();
  try {
    const response = await fetch("/api/dev", { cache: "no-store" });
    if (response.status === 404) {
      state.off = true; // not the dev server
      return;
    }
    if (!response.ok) return;
    show(await response.json());
  } catch {
    // The dev server is restarting, or gone: the list says it cannot reach the relay.
  } finally {
    state.busy = false;
  }
}

function show(status) {
  if (!status || status.dev !== true) {
    state.off = true;
    return;
  }
  const notice = $("dev-notice");
  const failing = Array.isArray(status.checks) ? status.checks.filter((check) => check.ok === false) : [];
  let text = "";
  let kind = "";
  if (state.stackId !== null && status.stack_id !== state.stackId) {
    text = status.store === "memory"
      ? `The dev server restarted at ${time(status.started_at)}: the deliveries it kept in memory are gone (your token still works).`
      : `The dev server restarted at ${time(status.started_at)}; deliveries are kept in Redis.`;
    kind = "restart";
  } else if (status.langgraph?.embedded && status.langgraph.running === false) {
    text = "The embedded LangGraph server stopped: runs cannot start or resume. The terminal says why; restart npm run dev.";
    kind = "error";
  } else if (status.last_reload && status.last_reload.ok === false) {
    text = `A save failed to load (${status.last_reload.error ?? "see the terminal"}): the previous functions keep serving.`;
    kind = "error";
  } else if (state.generation !== null && status.generation !== state.generation && status.last_reload) {
    const files = status.last_reload.files.length > 0 ? status.last_reload.files.join(", ") : "a file";
    text = `Reloaded after saving ${files} at ${time(status.last_reload.at)}: nothing lost.`;
    kind = "reload";
  } else if (failing.length > 0) {
    text = failing.map((check) => `${check.service} unreachable (${check.variable}): ${check.detail}`).join(" · ");
    kind = "error";
  }
  state.stackId = status.stack_id;
  state.generation = status.generation;
  try {
    sessionStorage.setItem(STACK_KEY, status.stack_id);
  } catch {
    // storage disabled: noticed within this page only
  }
  // A notice stays until another replaces it: a restart is worth reading after the fact.
  if (text === "") return;
  notice.textContent = text;
  notice.dataset.kind = kind;
  notice.hidden = false;
}
