// The "Start a run" form: posts to /api/trigger in any of its modes and shows the answer, or each
// server-sent event as it arrives. Its modes, their default and the cron fields' hints come from the
// relay's own schema (GET /api/openapi.json), so the form offers what the API takes; the page's own
// radios stay if the document cannot be read. The list's refresh afterwards is main.js's (hooks).
import { ApiError, triggerRun, triggerStream } from "./api.js";
import { $, el } from "./dom.js";
import { sseMessages } from "./sse.js";

/** How much of a streamed event's data a line shows; the run's result has all of it. */
const STREAM_PREVIEW_CHARS = 400;

const hooks = {
  /** A run was started (its callback will show in the list). */
  onStarted: () => {},
};

let streamController = null;

export function initRunForm({ onStarted }) {
  hooks.onStarted = onStarted;
  $("run-mode").addEventListener("change", () => showModeFields());
  $("run-assistant").addEventListener("input", () => {
    suggestThread();
    suggestInput();
  });
  for (const radio of document.querySelectorAll("input[name=thread]")) radio.addEventListener("change", () => suggestThread(false));
  void loadTriggerSchema().then(applySchema);
  $("run-form").addEventListener("submit", (event) => void startRun(event));
  $("run-stop").addEventListener("click", () => abortStream());
  for (const radio of document.querySelectorAll("input[name=thread]")) {
    radio.addEventListener("change", () => {
      const byId = document.querySelector("input[name=thread]:checked")?.value === "id";
      $("run-thread-id").disabled = !byId;
      if (byId) $("run-thread-id").focus();
    });
  }
}

/** The trigger body's JSON Schema from the relay's OpenAPI document (served without a token), or null. */
async function loadTriggerSchema() {
  try {
    const response = await fetch("/api/openapi.json");
    if (!response.ok) return null;
    const document = await response.json();
    return document?.components?.schemas?.TriggerRequest ?? null;
  } catch {
    return null;
  }
}

/** A radio per mode the schema names (the page's own stay as they are, checked or not), and the fields' hints. */
function applySchema(schema) {
  const properties = schema?.properties;
  const modes = properties?.mode?.enum;
  if (!Array.isArray(modes)) return;
  const group = $("run-mode");
  for (const input of group.querySelectorAll("input[name=mode]")) {
    if (!modes.includes(input.value)) input.closest("label")?.remove();
  }
  for (const mode of modes) {
    if (group.querySelector(`input[name=mode][value="${CSS.escape(mode)}"]`) !== null) continue;
    group.append(el("label", {}, el("input", { type: "radio", name: "mode", value: mode }), ` ${mode}`));
  }
  if (group.querySelector("input[name=mode]:checked") === null) {
    group.querySelector(`input[name=mode][value="${CSS.escape(String(properties.mode.default ?? modes[0]))}"]`)?.click();
  }
  if (typeof properties.mode.description === "string") group.title = properties.mode.description;
  hint($("run-assistant"), properties.assistant_id);
  hint($("run-schedule"), properties.schedule);
  hint($("run-timezone"), properties.timezone);
  showModeFields();
}

/** The schema's description as the field's title, its first example as the placeholder. */
function hint(input, property) {
  if (property === undefined) return;
  if (typeof property.description === "string") input.title = property.description;
  if (Array.isArray(property.examples) && property.examples.length > 0 && input.placeholder === "") input.placeholder = String(property.examples[0]);
}

/** Each example graph's own input (dev/graphs/): what the form offers when the graph is picked. */
const EXAMPLE_INPUTS = {
  agent: '{"messages":[{"role":"user","content":"Hello!"}]}',
  hitl: '{"input":"Ship release 1.2?"}',
  hitl_tools: '{"to":"ops@example.com"}',
  error_graph: '{"input":"try me"}',
};

/** Puts the picked example's input in the field, unless the user wrote one of their own. */
function suggestInput() {
  const field = $("run-input");
  const example = EXAMPLE_INPUTS[$("run-assistant").value.trim()];
  const untouched = field.value.trim() === "" || Object.values(EXAMPLE_INPUTS).includes(field.value.trim());
  if (example !== undefined && untouched) field.value = example;
}

/** Graphs that call interrupt(): they pause, and a pause needs a thread (a checkpointer) to wait on. */
const NEEDS_THREAD = new Set(["hitl", "hitl_tools"]);

/**
 * For the hitl example, thread "new" is chosen (it cannot pause without one: "No checkpointer set"),
 * and the hint says why; `choose: false` only explains (the user picked a thread option).
 */
function suggestThread(choose = true) {
  const needs = NEEDS_THREAD.has($("run-assistant").value.trim());
  const none = document.querySelector("input[name=thread][value=none]");
  if (needs && choose && none?.checked) document.querySelector("input[name=thread][value=new]")?.click();
  const hint = $("run-thread-hint");
  hint.hidden = !needs;
  hint.textContent = none?.checked
    ? "This example pauses on interrupt(): with no thread it fails (\"No checkpointer set\"). Choose new."
    : "This example pauses on interrupt() and waits on its thread: thread new is chosen. Resume it from its delivery.";
  hint.classList.toggle("field-error", needs && Boolean(none?.checked));
}

const selectedMode = () => document.querySelector("input[name=mode]:checked")?.value ?? "create";

/** The schedule and time zone, for mode cron only. */
function showModeFields() {
  $("run-cron").hidden = selectedMode() !== "cron";
}

/** Stops showing a stream (the run itself goes on); also used at sign-out. */
export function abortStream() {
  if (streamController !== null) streamController.abort();
  streamController = null;
}

function runStatus(text, isError = false) {
  $("run-output").hidden = false;
  const status = $("run-status");
  status.textContent = text;
  status.classList.toggle("field-error", isError);
}

/** The trigger request's body from the form, or null after pointing at what is wrong. */
function readRunForm() {
  const form = $("run-form");
  const data = new FormData(form);
  const inputField = $("run-input");
  const inputError = $("run-input-error");
  inputField.removeAttribute("aria-invalid");
  inputError.hidden = true;
  const assistant = String(data.get("assistant_id") ?? "").trim();
  if (assistant === "") {
    $("run-assistant").setAttribute("aria-invalid", "true");
    $("run-assistant").focus();
    runStatus("Enter an assistant id or a graph id (e.g. agent).", true);
    return null;
  }
  $("run-assistant").removeAttribute("aria-invalid");
  const body = { assistant_id: assistant, mode: String(data.get("mode") ?? "create") };
  const text = String(data.get("input") ?? "").trim();
  if (text !== "") {
    let input;
    try {
      input = JSON.parse(text);
    } catch (error) {
      inputError.textContent = `The input is not valid JSON: ${error instanceof Error ? error.message : "parse error"}.`;
      inputError.hidden = false;
      inputField.setAttribute("aria-invalid", "true");
      inputField.focus();
      return null;
    }
    if (input !== null && (typeof input !== "object" || Array.isArray(input))) {
      inputError.textContent = "The input must be a JSON object, e.g. {\"messages\": […]}.";
      inputError.hidden = false;
      inputField.setAttribute("aria-invalid", "true");
      inputField.focus();
      return null;
    }
    body.input = input;
  }
  if (body.mode === "cron") {
    const schedule = $("run-schedule").value.trim();
    if (schedule === "") {
      $("run-schedule").setAttribute("aria-invalid", "true");
      $("run-schedule").focus();
      runStatus('Enter a schedule, e.g. "0 9 * * 1" (Mondays at 09:00).', true);
      return null;
    }
    $("run-schedule").removeAttribute("aria-invalid");
    body.schedule = schedule;
    const timezone = $("run-timezone").value.trim();
    if (timezone !== "") body.timezone = timezone;
  }
  const thread = String(data.get("thread") ?? "none");
  if (thread === "new") body.thread_id = "new";
  if (thread === "id") {
    const id = $("run-thread-id").value.trim();
    if (id === "") {
      $("run-thread-id").setAttribute("aria-invalid", "true");
      $("run-thread-id").focus();
      runStatus("Enter the thread's id, or choose none or new.", true);
      return null;
    }
    $("run-thread-id").removeAttribute("aria-invalid");
    body.thread_id = id;
  }
  return body;
}

async function startRun(event) {
  event.preventDefault();
  const body = readRunForm();
  if (body === null) return;
  abortStream();
  const submit = $("run-submit");
  submit.disabled = true;
  $("run-result").hidden = true;
  $("stream-events").hidden = true;
  $("stream-events").replaceChildren();
  const starting = { create: "Starting the run…", wait: "Running; waiting for its result…", stream: "Starting the stream…", cron: "Creating the cron…" };
  runStatus(starting[body.mode] ?? "Sending…");
  try {
    if (body.mode === "stream") {
      await streamRun(body);
    } else {
      const answer = await triggerRun(body);
      $("run-result").textContent = JSON.stringify(answer, null, 2);
      $("run-result").hidden = false;
      runStatus(
        body.mode === "create"
          ? `Run ${answer.run_id} started (${answer.status ?? "pending"}). Its callback appears in the list when it ends.`
          : body.mode === "cron"
            ? `Cron ${answer.cron_id} created (${answer.schedule}); next run ${answer.next_run_date ?? "not scheduled"}. Each run's callback appears in the list.`
            : paused(answer)
              ? `Run ${answer.run_id} paused, waiting on a human (interrupt()): resume it from its run.paused delivery in the list.`
              : `Run ${answer.run_id} finished. Its callback appears in the list in a moment.`,
      );
    }
    hooks.onStarted();
  } catch (error) {
    if (error && error.name === "AbortError") runStatus("Streaming stopped here; the run goes on and its callback will still arrive.");
    else if (error instanceof ApiError && error.status !== 401 && error.runId) {
      // The run was started: it failed, or outlasted the wait (and goes on).
      runStatus(
        error.code === "run_failed"
          ? `Run ${error.runId} failed: ${error.message.replace(/^The run failed: /, "").replace(/([^.!?])$/, "$1.")} Its run.error callback appears in the list.`
          : `Run ${error.runId} was started: ${error.message}${error.status ? ` (HTTP ${error.status})` : ""}`,
        true,
      );
    } else if (error instanceof ApiError && error.status !== 401) {
      runStatus(`The ${body.mode === "cron" ? "cron was not created" : "run was not started"}: ${error.message}${error.status ? ` (HTTP ${error.status})` : ""}`, true);
    }
  } finally {
    submit.disabled = false;
    $("run-stop").hidden = true;
    streamController = null;
  }
}

/**
 * Whether a wait answer is a run that paused in interrupt() (it still ends "success"): its values
 * carry `__interrupt__`, or the answer says the thread is interrupted.
 */
function paused(answer) {
  const values = answer?.values;
  const interrupts = values && typeof values === "object" ? values.__interrupt__ : undefined;
  return (Array.isArray(interrupts) && interrupts.length > 0) || answer?.status === "interrupted" || answer?.thread_status === "interrupted";
}

/** POSTs a stream-mode trigger and shows each server-sent event as it arrives. */
async function streamRun(body) {
  streamController = new AbortController();
  $("run-stop").hidden = false;
  const response = await triggerStream(body, streamController.signal);
  const events = $("stream-events");
  events.hidden = false;
  let count = 0;
  let runId = response.headers.get("x-run-id");
  runStatus(`Streaming${runId ? ` run ${runId}` : ""}…`);
  for await (const message of sseMessages(response.body)) {
    count += 1;
    let data = message.data;
    try {
      data = JSON.stringify(JSON.parse(message.data));
    } catch {
      // shown as sent
    }
    if (!runId && message.event === "metadata") {
      try {
        runId = JSON.parse(message.data).run_id ?? null;
      } catch {
        // not JSON
      }
    }
    const preview = data.length > STREAM_PREVIEW_CHARS ? `${data.slice(0, STREAM_PREVIEW_CHARS)}…` : data;
    events.append(el("li", { dataset: { event: message.event } }, el("span", { class: "ev", text: message.event }), el("code", { text: preview })));
    events.scrollTop = events.scrollHeight;
    runStatus(`Streaming${runId ? ` run ${runId}` : ""}… ${count} event${count === 1 ? "" : "s"} so far.`);
  }
  runStatus(`Stream ended after ${count} event${count === 1 ? "" : "s"}. The run's callback appears in the list in a moment.`);
}
