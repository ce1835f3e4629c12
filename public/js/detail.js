// The detail panel: one delivery in full, refreshed while open — what a paused run asks and the form to
// resume it, the actions with their timelines and Replay, the facts, the verdict and the payload. The
// table's rows and the address bar are main.js's business (hooks).
import { ApiError, getDelivery, replayDelivery, resumeDelivery } from "./api.js";
import { $, announce, copyButton, el } from "./dom.js";
import { actionsPart } from "./detail-actions.js";
import { facts, runError, verificationPart } from "./detail-parts.js";
import { actionStateLabel } from "./format.js";
import { payloadPart } from "./json-view.js";
import { pausePart } from "./pause-part.js";

const hooks = {
  /** A delivery was opened (its row gets aria-current, the address its #/deliveries/<id>). */
  onSelect: (_id) => {},
  /** The panel was closed; id is the delivery that was open (focus goes back to its row). */
  onClose: (_id) => {},
  /** A replay or a resume changed something (the list reloads). */
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
  /** Bumped by every request: an answer that is no longer the latest is dropped (a poll never paints over a replay). */
  seq: 0,
  /** What the last replay and the last resume said ({id, text, error}), kept across redraws. */
  notes: { replay: null, resume: null },
  /** {studio_thread_url, deployment_url} when the relay has a LangSmith key; else null. */
  langsmith: null,
};

export function initDetail({ onSelect, onClose, onChange }) {
  hooks.onSelect = onSelect;
  hooks.onClose = onClose;
  hooks.onChange = onChange;
  $("detail-close").addEventListener("click", () => closeDetail());
  $("detail-tools").prepend(copyButton(() => location.href, "Copy a link to this delivery", "Copy link"));
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || detail.id === null) return;
    // Escape in a field outside the panel (filters, the run form) is that field's; anywhere else it closes the panel.
    const target = event.target;
    if (target instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) && !$("detail").contains(target)) return;
    closeDetail();
  });
}

/** The id of the open delivery, or null. */
export const openDeliveryId = () => detail.id;

/** Where the thread opens in LangSmith Studio (from the health strip's answer); redraws on change. */
export function setLangSmith(langsmith) {
  if (JSON.stringify(langsmith) === JSON.stringify(detail.langsmith)) return;
  detail.langsmith = langsmith;
  if (detail.record !== null) {
    detail.signature = "";
    showDelivery(detail.record);
  }
}

/** Opens a delivery; `focus: false` keeps focus where it is (j/k through the table). */
export async function openDetail(id, { focus = true } = {}) {
  if (detail.id === id && !$("detail").hidden) {
    if (focus) $("detail-title").focus();
    return;
  }
  detail.id = id;
  detail.signature = "";
  detail.renderedId = null;
  detail.record = null;
  detail.notes = { replay: null, resume: null };
  hooks.onSelect(id);
  $("detail").hidden = false;
  $("detail-title").textContent = "Delivery";
  $("detail-body").replaceChildren(el("p", { role: "status", text: "Loading…" }));
  await refreshDetail();
  if (focus && detail.id === id) {
    // Beside the table the panel is always in view (sticky); stacked under it (a phone), it is brought up.
    const stacked = matchMedia("(max-width: 999px)").matches;
    if (stacked) $("detail").scrollIntoView({ block: "start" });
    $("detail-title").focus({ preventScroll: !stacked });
  }
}

export function closeDetail() {
  const id = detail.id;
  if (id === null) return;
  detail.id = null;
  detail.record = null;
  $("detail").hidden = true;
  hooks.onClose(id);
}

/** Reloads the open delivery unless a replay or resume is under way (its answer is newer). */
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
    // A delivery on screen stays there through a passing outage (the table's status says it); the next poll retries.
    if (detail.record !== null && detail.record.id === id && error.status !== 404) return;
    const message = error.status === 404 ? "This delivery is gone (expired, or the server restarted with the memory store)." : `Could not load the delivery: ${error.message}`;
    $("detail-title").textContent = "Delivery";
    $("detail-body").replaceChildren(el("p", { class: "banner banner-error", role: "alert", text: message }));
    detail.signature = "";
    detail.renderedId = null;
  }
}

function showDelivery(delivery) {
  detail.record = delivery;
  const { payload, ...rest } = delivery;
  const signature = JSON.stringify([rest, detail.notes, detail.langsmith]);
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
    delivery.payload && delivery.payload.error ? el("p", { class: "run-error", text: `Run error: ${runError(delivery.payload.error)}` }) : null,
    delivery.pause ? pausePart(delivery, { onResume: (body, button) => void resume(delivery.id, body, button), note: noteFor("resume", delivery.id) }) : null,
    actionsPart(delivery, { onReplay: (name, button) => void replay(delivery.id, name, button), note: noteFor("replay", delivery.id) }),
    facts(delivery, detail.langsmith),
    verificationPart(delivery),
    keptPayload ?? payloadPart(payload, delivery.payload_truncated),
  ];
  body.replaceChildren(...parts.filter(Boolean));
}

const noteFor = (kind, id) => (detail.notes[kind]?.id === id ? detail.notes[kind] : null);

/** Runs a request that changes the delivery: buttons off, a note while it runs, the answer drawn. */
async function change(kind, id, button, busyText, request) {
  detail.busy = true;
  // Any answer already on its way for this delivery is older than what this one will return.
  const seq = ++detail.seq;
  for (const other of $("detail-body").querySelectorAll("button[data-replay], #replay-failed, #resume-form button")) other.disabled = true;
  if (button) button.textContent = busyText;
  const status = document.getElementById(`${kind}-status`);
  if (status !== null) status.textContent = `${busyText}`;
  try {
    const { delivery, text } = await request();
    detail.notes[kind] = { id, text, error: false };
    if (detail.id === id && seq === detail.seq) {
      detail.signature = "";
      showDelivery(delivery);
    }
    announce(text);
    hooks.onChange();
    return true;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status === 401) return false;
    detail.notes[kind] = { id, text: `${kind === "replay" ? "Replay" : "Resume"} failed: ${error.message}`, error: true };
    if (detail.record !== null && detail.id === id) {
      detail.signature = "";
      showDelivery(detail.record);
    }
    announce(detail.notes[kind].text);
    return false;
  } finally {
    detail.busy = false;
  }
}

async function replay(id, actionName, button) {
  const done = await change("replay", id, button, "Replaying…", async () => {
    const answer = await replayDelivery(id, actionName);
    const summary = answer.replayed.length === 0
      ? "Nothing to replay: no action had failed."
      : answer.replayed.map((action) => `${action.name} ${actionStateLabel(action)}`).join(", ");
    return { delivery: answer.delivery, text: `Replay done: ${summary}.` };
  });
  // Focus stays in the panel: on the first failed action's button, else the heading.
  if (done && detail.id === id) ($("detail-body").querySelector("[data-state=failed] button[data-replay]") ?? $("detail-title")).focus();
}

async function resume(id, body, button) {
  const what = body.decision === "approve" ? "Approved" : body.decision === "reject" ? "Rejected" : "Resumed with your value";
  await change("resume", id, button, "Resuming…", async () => {
    const answer = await resumeDelivery(id, body);
    return { delivery: answer.delivery, text: `${what}: the thread goes on as run ${answer.run_id}.` };
  });
  // The clicked button was redrawn away: focus goes to the panel's heading rather than the page's top.
  if (detail.id === id && (document.activeElement === null || document.activeElement === document.body)) $("detail-title").focus();
}
