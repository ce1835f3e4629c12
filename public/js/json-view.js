// Reading JSON on the page: a collapsible tree (objects and arrays are <details>, values coloured by
// type), the raw text beside it, and a Copy button for each. Used for the payload and for what a
// paused run asks. No state and no requests here.
import { copyButton, el } from "./dom.js";

/** The payload: its tree (first level open) and its raw JSON, each with a Copy button. */
export function payloadPart(payload, truncated) {
  const raw = JSON.stringify(payload, null, 2);
  return el(
    "div",
    { dataset: { part: "payload" } },
    el("div", { class: "section-head" }, el("h3", { text: "Payload (redacted)" }), copyButton(raw, "Copy the payload as JSON")),
    truncated ? el("p", { class: "meta", text: `Cut to fit the store (${truncated.original_bytes} bytes received): ${truncated.fields.join(", ")}${truncated.fields_omitted ? ` and ${truncated.fields_omitted} more` : ""}.` }) : null,
    el("details", { class: "payload", open: true }, el("summary", { text: "Tree" }), jsonTree(payload)),
    el("details", { class: "raw" }, el("summary", { text: "Raw JSON" }), el("pre", { class: "json", dataset: { part: "raw-payload" }, text: raw })),
  );
}

/** Any JSON value as a tree whose first `openDepth` levels are open. */
export function jsonTree(value, openDepth = 1) {
  return el("ul", { class: "json-tree" }, jsonNode(null, value, 0, openDepth));
}

function jsonNode(key, value, depth, openDepth) {
  const label = key === null ? null : el("span", { class: "k", text: `${key}: ` });
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item]) : Object.entries(value);
    const shape = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
    if (entries.length === 0) return el("li", {}, label, el("span", { class: "sum", text: Array.isArray(value) ? "[]" : "{}" }));
    return el(
      "li",
      {},
      el(
        "details",
        { open: depth < openDepth },
        el("summary", {}, label ?? el("span", { class: "k", text: "value " }), el("span", { class: "sum", text: shape })),
        el("ul", {}, entries.map(([childKey, child]) => jsonNode(childKey, child, depth + 1, openDepth))),
      ),
    );
  }
  const cls = typeof value === "string" ? "s" : typeof value === "number" ? "n" : typeof value === "boolean" ? "b" : "z";
  return el("li", {}, label, el("span", { class: cls, text: JSON.stringify(value) }));
}

/**
 * A value as a person reads it: a string as text, a flat object as "key: value" lines, anything deeper
 * as an open tree — what a paused run asks should not need a JSON parser in the reader's head.
 */
export function readableValue(value) {
  if (typeof value === "string") return el("p", { class: "ask-text", text: value });
  if (value === null || typeof value !== "object") return el("p", { class: "ask-text mono", text: JSON.stringify(value) });
  const entries = Array.isArray(value) ? [] : Object.entries(value);
  const flat = entries.length > 0 && entries.length <= 12 && entries.every(([, item]) => item === null || typeof item !== "object");
  if (flat) {
    return el(
      "dl",
      { class: "ask-fields" },
      entries.flatMap(([key, item]) => [el("dt", { text: key }), el("dd", { text: typeof item === "string" ? item : JSON.stringify(item) })]),
    );
  }
  return jsonTree(value, 3);
}
