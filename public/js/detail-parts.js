// Read-only parts of the detail view, built from a delivery record: the facts table (ids with Copy
// buttons, the thread linked to LangSmith Studio where the relay has a LangSmith key) and the verdict on
// whether the callback was LangGraph's own. No state and no requests here.
import { copyButton, el } from "./dom.js";
import { CONFIRMED_BY, eventBadge, formatDuration, formatTime, outcomeBadge, sourceBadge, verdictText } from "./format.js";

export function runError(error) {
  if (typeof error === "string") return error;
  if (error && typeof error === "object") return error.message ?? error.error ?? JSON.stringify(error);
  return String(error);
}

const idCell = (value, what) => el("span", { class: "id-cell" }, el("span", { class: "mono", text: value }), copyButton(value, `Copy the ${what}`));

/** LangSmith Studio opens a thread of a deployment: `<studio>/<thread>?baseUrl=<deployment>`. */
export function studioLink(langsmith, threadId) {
  // Only an https link: a javascript: or data: URL must never become a link, whatever the answer says.
  if (!langsmith || !threadId || !/^https:\/\//.test(String(langsmith.studio_thread_url))) return null;
  const href = `${langsmith.studio_thread_url}${encodeURIComponent(threadId)}?baseUrl=${encodeURIComponent(langsmith.deployment_url)}`;
  return el("a", { href, target: "_blank", rel: "noopener noreferrer", dataset: { role: "langsmith" }, text: "Open the thread in LangSmith Studio" });
}

export function facts(delivery, langsmith) {
  const rows = [
    ["Delivery", el("span", {}, outcomeBadge(delivery), " ", sourceBadge(delivery.source))],
    ["Event", eventBadge(delivery.event)],
    ["Status", delivery.status],
    ["Received", formatTime(delivery.received_at)],
    ["Run started", delivery.payload?.run_started_at ? formatTime(delivery.payload.run_started_at) : "—"],
    ["Run ended", delivery.payload?.run_ended_at ? formatTime(delivery.payload.run_ended_at) : "—"],
    ["Duration", formatDuration(delivery.duration_ms)],
    ["Assistant", delivery.assistant_id],
    ["Graph", delivery.graph_id ?? "—"],
    ["Run", idCell(delivery.run_id, "run id")],
    ["Thread", idCell(delivery.thread_id, "thread id")],
    langsmith ? ["LangSmith", studioLink(langsmith, delivery.thread_id)] : null,
    ["Route", delivery.route ?? "(unnamed)"],
    ["Routing", delivery.routing],
  ].filter(Boolean);
  if (delivery.pause_check_error) rows.push(["Pause check", delivery.pause_check_error]);
  return el("dl", { class: "facts" }, rows.flatMap(([term, value]) => [el("dt", { text: term }), el("dd", {}, value)]));
}

const VERDICT_LABEL = { pending: "confirming", confirmed: "confirmed", rejected: "rejected", unverified: "unverified" };
const VERDICT_BADGE = { pending: "pending", confirmed: "succeeded", rejected: "rejected", unverified: "unverified" };

/**
 * Was this callback LangGraph's own: the verdict, why, when it was checked, the token's id (never the
 * token), and the copy that was routed instead of a duplicate. Records of older relays have no verdict.
 */
export function verificationPart(delivery) {
  const verdict = delivery.verification;
  const head = el("h3", { text: "Verification" });
  if (!verdict) {
    return el(
      "div",
      { dataset: { part: "verification" } },
      head,
      el("p", { class: "meta", text: "No verdict recorded: an older relay received this callback and routed it as received." }),
    );
  }
  const rows = [
    ["Verdict", el("span", { class: `badge ${VERDICT_BADGE[verdict.state] ?? ""}`, dataset: { role: "verdict-state" }, text: VERDICT_LABEL[verdict.state] ?? verdict.state })],
    verdict.reason !== undefined ? ["Reason", el("span", { dataset: { role: "verdict-reason" }, text: verdict.reason })] : null,
    verdict.state === "confirmed" ? ["Confirmed by", CONFIRMED_BY[verdict.by] ?? verdict.by] : null,
    verdict.checked_at ? ["Checked", formatTime(verdict.checked_at)] : null,
    ["Token", delivery.token_id ? el("span", { class: "mono", text: `id ${delivery.token_id}` }) : delivery.auth === "static" ? "static token" : "—"],
    ["Source", delivery.source ?? "—"],
    delivery.duplicate_of ? ["Duplicate of", el("span", { class: "mono", text: delivery.duplicate_of })] : null,
  ].filter(Boolean);
  const consequence =
    verdict.state === "rejected"
      ? "Recorded for inspection, routed nowhere."
      : delivery.actions.length === 0
        ? "No route accepts unverified callbacks: nothing ran."
        : "Only routes that accept unverified callbacks ran.";
  const warning =
    verdict.state === "rejected" || verdict.state === "unverified"
      ? el("p", { class: `banner verdict-banner ${verdict.state}`, role: "note", text: `${verdictText(delivery)}. ${consequence}` })
      : null;
  return el(
    "div",
    { dataset: { part: "verification" } },
    head,
    warning,
    el("dl", { class: "verdict-facts" }, rows.flatMap(([term, value]) => [el("dt", { text: term }), el("dd", {}, value)])),
  );
}
