// The paused delivery's part of the detail: what the run asks (its interrupts, readable), the decisions
// already taken (Slack, a resume link, this page, a timeout) and a form to answer — Approve, Reject, or
// any JSON — sent by detail.js (hook). No state and no requests here.
import { el } from "./dom.js";
import { formatTime } from "./format.js";
import { readableValue } from "./json-view.js";

const CHANNEL = { slack: "on Slack", link: "through a resume link", inspector: "in the inspector", timeout: "by the timeout" };
const DECISION = { approve: "approved", reject: "rejected", custom: "answered" };

/** `onResume(body, button)` sends `{decision}` or `{resume}`; `note` is the last answer's {text, error}. */
export function pausePart(delivery, { onResume, note }) {
  const pause = delivery.pause;
  const decisions = Array.isArray(delivery.decisions) ? delivery.decisions : [];
  const answered = decisions.find((decision) => !decision.error);
  return el(
    "div",
    { class: "pause", dataset: { part: "pause" } },
    el("h3", { text: answered ? "Answered: the run asked" : "Waiting on a human: the run asks" }),
    el("ol", { class: "asks" }, pause.interrupts.map((interrupt, index) => askItem(interrupt, index))),
    pause.next.length > 0 ? el("p", { class: "meta", text: `On resume, runs: ${pause.next.join(", ")}` }) : null,
    decisions.length > 0 ? decisionList(decisions) : null,
    answered ? null : resumeForm(onResume),
    el("p", { id: "resume-status", role: "status", "aria-live": "polite", class: note?.error ? "field-error" : null, text: note?.text ?? "" }),
  );
}

/** LangChain's human-in-the-loop middleware asks about tool calls: `actionRequests` in JS, `action_requests` in Python. */
function middlewareRequests(value) {
  if (!value || typeof value !== "object") return null;
  const requests = Array.isArray(value.actionRequests) ? value.actionRequests : Array.isArray(value.action_requests) ? value.action_requests : null;
  if (requests === null) return null;
  const configs = Array.isArray(value.reviewConfigs) ? value.reviewConfigs : Array.isArray(value.review_configs) ? value.review_configs : [];
  return requests.map((request) => {
    const name = String(request?.name ?? request?.action ?? "action");
    const config = configs.find((item) => (item?.actionName ?? item?.action_name) === name);
    const allowed = config?.allowedDecisions ?? config?.allowed_decisions;
    return { name, request, allowed: Array.isArray(allowed) ? allowed : null };
  });
}

function askItem(interrupt, index) {
  const value = interrupt.value;
  const requests = middlewareRequests(value);
  return el(
    "li",
    { class: "ask", dataset: { interrupt: interrupt.id ?? String(index) } },
    requests
      ? el(
          "ul",
          { class: "requests" },
          requests.map(({ name, request, allowed }) =>
            el(
              "li",
              { dataset: { request: name } },
              el("strong", { class: "mono", text: name }),
              allowed ? el("span", { class: "meta", text: ` · may be: ${allowed.join(", ")}` }) : null,
              request?.description ? el("p", { class: "ask-text", text: String(request.description) }) : null,
              request?.args !== undefined ? readableValue(request.args) : null,
            ),
          ),
        )
      : readableValue(value),
    interrupt.id ? el("span", { class: "meta mono", text: `interrupt ${interrupt.id}` }) : null,
  );
}

function decisionList(decisions) {
  return el(
    "div",
    { dataset: { part: "decisions" } },
    el("h4", { text: "Decisions" }),
    el(
      "ul",
      { class: "decisions" },
      decisions.map((decision) =>
        el(
          "li",
          { dataset: { decision: decision.decision, channel: decision.channel } },
          el("strong", { text: DECISION[decision.decision] ?? decision.decision }),
          ` ${CHANNEL[decision.channel] ?? decision.channel}`,
          decision.by && decision.by !== decision.channel ? ` by ${decision.by}` : "",
          ` · ${formatTime(decision.at)}`,
          decision.run_id ? el("span", { class: "mono", text: ` · resumed run ${decision.run_id}` }) : null,
          decision.error ? el("span", { class: "err", text: ` · not resumed: ${decision.error}` }) : null,
          decision.value !== undefined && decision.decision === "custom" ? el("code", { class: "value", text: ` ${JSON.stringify(decision.value)}` }) : null,
        ),
      ),
    ),
  );
}

function resumeForm(onResume) {
  const json = el("textarea", { id: "resume-json", rows: "3", spellcheck: "false", "aria-describedby": "resume-json-error", placeholder: '{"approved": true}' });
  const jsonError = el("p", { id: "resume-json-error", class: "field-error", hidden: true });
  const decide = (decision, label, cls) =>
    el("button", { type: "button", class: cls, dataset: { decision }, text: label, on: { click: (event) => onResume({ decision }, event.currentTarget) } });
  const form = el(
    "form",
    { id: "resume-form", class: "resume-form", "aria-label": "Resume the run", novalidate: true },
    el("div", { class: "actions-row" }, decide("approve", "Approve", ""), decide("reject", "Reject", "secondary danger")),
    el(
      "details",
      { class: "resume-json" },
      el("summary", { text: "Resume with JSON" }),
      el("label", { for: "resume-json", text: "Value for the interrupt (any JSON)" }),
      json,
      jsonError,
      el("button", { type: "submit", class: "secondary", id: "resume-json-submit", text: "Resume with this value" }),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    let value;
    try {
      value = JSON.parse(json.value);
    } catch (error) {
      jsonError.textContent = `Not valid JSON: ${error instanceof Error ? error.message : "parse error"}.`;
      jsonError.hidden = false;
      json.setAttribute("aria-invalid", "true");
      json.focus();
      return;
    }
    jsonError.hidden = true;
    json.removeAttribute("aria-invalid");
    onResume({ resume: value }, form.querySelector("#resume-json-submit"));
  });
  return form;
}
