// Small DOM helpers shared by every view. Everything from the server is inserted with textContent:
// no innerHTML anywhere.

/** The element with this id; a missing one is a bug in index.html, so it throws. */
export const $ = (id) => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`missing #${id}`);
  return element;
};

/** Builds an element; text is always set with textContent. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "on") for (const [type, handler] of Object.entries(value)) node.addEventListener(type, handler);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A short message for screen readers through #announcer (the list itself is not a live region). */
export const announce = (text) => {
  // Cleared first so that the same words twice are read twice.
  $("announcer").textContent = "";
  requestAnimationFrame(() => ($("announcer").textContent = text));
};

/**
 * A small "Copy" button for a value (an id, a link, some JSON); `text` may be a function read at the
 * click. Says "Copied" for a moment, or "Copy failed" where the browser allows no clipboard.
 */
export function copyButton(text, label, caption = "Copy") {
  const button = el("button", { type: "button", class: "copy secondary", "aria-label": label, title: label, text: caption });
  button.addEventListener("click", async (event) => {
    event.stopPropagation();
    const value = typeof text === "function" ? text() : text;
    let done = false;
    try {
      await navigator.clipboard.writeText(value);
      done = true;
    } catch {
      done = copyBySelection(value);
    }
    button.textContent = done ? "Copied" : "Copy failed";
    announce(done ? `Copied: ${label.replace(/^Copy /, "")}.` : "The browser refused the clipboard.");
    setTimeout(() => (button.textContent = caption), 1500);
  });
  return button;
}

/** The old way, for pages served over plain HTTP on another host (no async clipboard there). */
function copyBySelection(value) {
  const area = el("textarea", { class: "visually-hidden", "aria-hidden": "true", tabindex: "-1" });
  area.value = value;
  document.body.append(area);
  area.select();
  let done = false;
  try {
    done = document.execCommand("copy");
  } catch {
    done = false;
  }
  area.remove();
  return done;
}
