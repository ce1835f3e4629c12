// The detail view: one delivery in full with its actions and their attempts, refreshed while open,
// and Replay of one action or of every failed one. The list's rows are main.js's business (hooks).
import { ApiError, getDelivery, replayDelivery } from "./api.js";
import { $, announce, el } from "./dom.js";
import { facts, pauseInfo, payloadPart, runError, verificationPart } from "./detail-parts.js";
import { formatDuration, formatTime, notRoutedReason, STATE_LABEL } from "./format.js";

const hooks = {
  /** A delivery was opened (its row gets aria-current). */
  onSelect: (_id) => {},
  /** The panel was closed; id is the delivery that was open (focus goes back to its row). */
  onClose: (_id) => {},
  /** A replay changed a delivery (the list reloads). */
  onChange: () => {},
};

const detail = {
  id: null,
  /** Signature of what is rendered, so a poll redraws only on change (open JSON nodes stay open). */
  signature: "",
  /** The delivery whose payload tree is on screen: the payload never changes, so it is drawn once. */
  renderedId: null,
  busy: false,
  record: null,
  /**
   * Bumped by every request for the delivery: an answer that is no longer the latest is dropped, so a
   * poll that left before a replay cannot paint the old state over the replay's result.
   */
  seq: 0,
  /** What the last replay said ({id, text, error}); kept across redraws of the same delivery. */
  note: null,
};

export function initDetail({ onSelect, onClose, onChange }) {
  hooks.onSelect = onSelect;
  hooks.onClose = onClose;
  hooks.onChange = onChange;
  $("detail-close").addEventListener("click", () => closeDetail());
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && detail.id !== null && $("detail").contains(document.activeElement)) closeDetail();
  });
}

/** The id of the open delivery, or null. */
export const openDeliveryId = () => detail.id;

export async function openDetail(id) {
  detail.id = id;
  detail.signature = "";
  detail.renderedId = null;
  detail.record = null;
  detail.note = null;
  hooks.onSelect(id);
  $("detail").hidden = false;
  $("detail-title").textContent = "Delivery";
  $("detail-body").replaceChildren(el("p", { role: "status", text: "Loading…" }));
  await refreshDetail();
  $("detail").scrollIntoView({ block: "nearest" });
  $("detail-title").focus();
}

function closeDetail() {
  const id = detail.id;
  detail.id = null;
  detail.record = null;
  $("detail").hidden = true;
  hooks.onClose(id);
}

/** Reloads the open delivery unless a replay is under way (its answer is newer). */
export async function refreshOpenDetail() {
  if (detail.id !== null && !detail.busy) await refreshDetail();
}

async function refreshDetail() {
  const id = detail.id;
  if (id === null) return;
  const seq = ++detail.seq;
  try {
    const { delivery } = await getDelivery(id);
    if (detail.id === id && seq === detail.seq) showDelivery(delivery);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status === 401 || detail.id !== id || seq !== detail.seq) return;
    const message = error.status === 404 ? "This delivery is gone (expired, or the server restarted with the memory store)." : `Could not load the delivery: ${error.message}`;
    $("detail-body").replaceChildren(el("p", { class: "banner banner-error", role: "alert", text: message }));
    detail.signature = "";
    detail.renderedId = null;
  }
}

function showDelivery(delivery) {
  detail.record = delivery;
  const { payload, ...rest } = delivery;
  const signature = JSON.stringify(rest);
  if (signature === detail.signature) return;
  const samePayload = detail.renderedId === delivery.id;
  detail.signature = signature;
  detail.renderedId = delivery.id;
  // The id in a smaller monospace, so that on a phone it wraps whole onto its own line.
  $("detail-title").replaceChildren("Delivery ", el("span", { class: "delivery-id", text: delivery.id }));

  const body = $("detail-body");
  // Keep the payload's tree (and which nodes are open) when only the actions changed.
  const keptPayload = samePayload ? body.querySelector("[data-part=payload]") : null;
  const parts = [
    facts(delivery),
    verificationPart(delivery),
    delivery.payload && delivery.payload.error ? el("p", { class: "run-error", text: `Run error: ${runError(delivery.payload.error)}` }) : null,
    delivery.pause ? pauseInfo(delivery.pause) : null,
    actionsPart(delivery),
    keptPayload ?? payloadPart(payload),
  ];
  body.replaceChildren(...parts.filter(Boolean));
}

function actionsPart(delivery) {
  const failed = delivery.actions.filter((action) => action.state === "failed");
  const head = el(
    "div",
    { class: "section-head" },
    el("h3", { text: `Actions (${delivery.actions.length})` }),
    failed.length > 0
      ? el("button", {
          type: "button",
          id: "replay-failed",
          text: failed.length === 1 ? "Replay failed action" : `Replay ${failed.length} failed actions`,
          on: { click: (event) => void replay(delivery.id, undefined, event.currentTarget) },
        })
      : null,
  );
  const note = detail.note !== null && detail.note.id === delivery.id ? detail.note : null;
  const status = el("p", {
    id: "replay-status",
    role: "status",
    "aria-live": "polite",
    class: note?.error ? "field-error" : null,
    text: note?.text ?? "",
  });
  if (delivery.actions.length === 0) {
    const idle = notRoutedReason(delivery) ?? (delivery.routing === "pending" ? "Routing has not finished yet." : "No route handled this event: no action ran.");
    return el("div", { dataset: { part: "actions" } }, head, el("p", { class: "meta", dataset: { role: "not-routed" }, text: idle }), status);
  }
  return el(
    "div",
    { dataset: { part: "actions" } },
    head,
    status,
    el("ol", { class: "action-list" }, delivery.actions.map((action) => actionItem(delivery, action))),
  );
}

function actionItem(delivery, action) {
  const canReplay = action.state !== "pending";
  return el(
    "li",
    { class: "action", dataset: { state: action.state, action: action.name } },
    el(
      "div",
      { class: "action-head" },
      el("span", { class: "name", text: action.name }),
      el("span", { class: "meta", text: action.type }),
      el("span", { class: `badge ${action.state}`, text: STATE_LABEL[action.state] ?? action.state }),
      canReplay
        ? el("button", {
            type: "button",
            class: action.state === "failed" ? "" : "secondary",
            dataset: { replay: action.name },
            "aria-label": `Replay ${action.name}`,
            text: "Replay",
            on: { click: (event) => void replay(delivery.id, action.name, event.currentTarget) },
          })
        : null,
    ),
    action.last_error ? el("p", { class: "last-error", text: action.last_error }) : null,
    el(
      "ol",
      { class: "attempts", "aria-label": `Attempts of ${action.name}` },
      action.attempts.map((attempt) =>
        el(
          "li",
          {},
          el("span", { class: attempt.ok ? "ok" : "ko", text: `#${attempt.number} ${attempt.ok ? "ok" : "failed"}` }),
          ` · ${formatTime(attempt.started_at)} · ${formatDuration(attempt.duration_ms)}`,
          attempt.http_status !== undefined ? ` · HTTP ${attempt.http_status}` : "",
          attempt.replay ? el("span", { class: "muted", text: " · replay" }) : null,
          attempt.error ? el("div", { class: "muted", text: attempt.error }) : null,
          attempt.result ? el("div", { class: "muted", text: JSON.stringify(attempt.result) }) : null,
        ),
      ),
    ),
  );
}

async function replay(id, actionName, button) {
  const what = actionName ?? "the failed actions";
  detail.busy = true;
  // Any answer already on its way for this delivery is older than what the replay will return.
  const seq = ++detail.seq;
  for (const other of $("detail-body").querySelectorAll("button[data-replay], #replay-failed")) other.disabled = true;
  if (button) button.textContent = "Replaying…";
  const note = (text, error = false) => {
    detail.note = { id, text, error };
    const status = document.getElementById("replay-status");
    if (status !== null && detail.id === id) {
      status.textContent = text;
      status.classList.toggle("field-error", error);
    }
  };
  note(`Replaying ${what}…`);
  try {
    const answer = await replayDelivery(id, actionName);
    const summary = answer.replayed.length === 0
      ? "Nothing to replay: no action had failed."
      : answer.replayed.map((action) => `${action.name} ${STATE_LABEL[action.state] ?? action.state}`).join(", ");
    detail.note = { id, text: `Replay done: ${summary}.`, error: false };
    if (detail.id === id && seq === detail.seq) {
      detail.signature = "";
      showDelivery(answer.delivery);
      // Focus stays in the panel: on the first failed action's button, else the heading.
      const next = $("detail-body").querySelector("[data-state=failed] button[data-replay]");
      (next ?? $("detail-title")).focus();
    }
    announce(`Replay done: ${summary}.`);
    hooks.onChange();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status === 401) return;
    detail.note = { id, text: `Replay failed: ${error.message}`, error: true };
    if (detail.record !== null && detail.id === id) {
      detail.signature = "";
      showDelivery(detail.record);
    }
  } finally {
    detail.busy = false;
  }
}
