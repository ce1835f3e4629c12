// Talking to the relay: the token and the fetch calls to /api/deliveries and /api/trigger.
// The token lives in this tab's sessionStorage only and travels as `Authorization: Bearer`, never in
// a URL (URLs end up in logs, history and Referer headers).

const TOKEN_KEY = "langgraph-relay.trigger-token";

export class ApiError extends Error {
  constructor(status, code, message, runId = null) {
    super(message);
    this.status = status;
    this.code = code;
    /** The run the request started, when the relay says (x-run-id: a wait run that failed or timed out). */
    this.runId = runId;
  }
}

/** The token when sessionStorage is disabled: it then lives only as long as this page. */
let memoryToken = "";

function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return "";
  }
}

/** Keeps the token for this tab; "" forgets it. */
export function setToken(value) {
  try {
    if (value === "") sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, value);
  } catch {
    // Storage disabled: memoryToken below is all there is.
  }
  memoryToken = value;
}

export const currentToken = () => storedToken() || memoryToken;

/** Who signs out when the relay refuses the token: set by main.js, so this module knows no view. */
let unauthorized = () => {};
export function onUnauthorized(handler) {
  unauthorized = handler;
}

/** The pinned error shape, or a readable stand-in when the answer is not ours (a proxy, a crash). */
async function errorOf(response) {
  try {
    const body = await response.json();
    if (body && typeof body.error === "object" && body.error !== null && typeof body.error.message === "string") {
      return new ApiError(response.status, String(body.error.code ?? "error"), body.error.message, response.headers.get("x-run-id"));
    }
  } catch {
    // not JSON
  }
  return new ApiError(response.status, "http_error", `The relay answered HTTP ${response.status}.`);
}

/** fetch with the token; 401 signs out (and throws), any other failure throws an ApiError. */
async function api(path, { method = "GET", body, signal, raw = false } = {}) {
  const headers = { authorization: `Bearer ${currentToken()}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      cache: "no-store",
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError(0, "network", "Cannot reach the relay. Is the server still running?");
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401) unauthorized(`The relay refused the token: ${error.message} Enter the TRIGGER_TOKEN again.`);
    throw error;
  }
  return raw ? response : response.json();
}

/** One page of delivery summaries: `{deliveries, next_cursor}`; params carry filters, limit, cursor. */
export const listDeliveries = (params) => api(`/api/deliveries?${params}`);

/** One delivery in full: `{delivery}`. */
export const getDelivery = (id) => api(`/api/deliveries?id=${encodeURIComponent(id)}`);

/** Replays one action by name, or every failed one when actionName is undefined: `{delivery, replayed}`. */
export function replayDelivery(id, actionName) {
  const query = new URLSearchParams({ id, replay: "1" });
  if (actionName !== undefined) query.set("action", actionName);
  return api(`/api/deliveries?${query}`, { method: "POST" });
}

/** Resumes a paused delivery's thread: body `{decision: "approve"|"reject"}` or `{resume: <JSON>}` → `{run_id, thread_id, delivery}`. */
export function resumeDelivery(id, body) {
  const query = new URLSearchParams({ id, resume: "1" });
  return api(`/api/deliveries?${query}`, { method: "POST", body });
}

/** Schedules every dead action matching the query again: `{redriven, deliveries, more}`. */
export const redrive = (params) => api(`/api/deliveries?${params}`, { method: "POST" });

/** The health strip's figures and the LangSmith link's facts: `{stats, langsmith}`. */
export const getStats = () => api("/api/deliveries?stats=1");

/** Starts a run in create or wait mode and returns the relay's JSON answer. */
export const triggerRun = (body) => api("/api/trigger", { method: "POST", body });

/** Starts a run in stream mode and returns the Response, whose body is the event stream. */
export const triggerStream = (body, signal) => api("/api/trigger", { method: "POST", body, signal, raw: true });
