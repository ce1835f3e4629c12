// The delivery inspector's entry point (index.html loads it as a module): wires the views together.
// The inspector shows the health of the last hour, a live table of what /api/webhook recorded, one
// delivery in full (Replay, Resume of a paused run), redrive of dead actions, and a form that starts
// runs through /api/trigger — so the whole loop can be driven from a browser.
//
// Plain JavaScript modules served as they are (public/ is not built). Views (login, list, detail,
// health, redrive, run-form, dev-notice) import only api, dom, format and their own helpers, never each other: what
// one view's action means for another is decided here, through the hooks each init function takes.
// Rules kept throughout:
// - The token lives in this tab's sessionStorage only and travels as `Authorization: Bearer`, never
//   in a URL (api.js). Deep links (#/deliveries/dlv_…) name a delivery, never a token.
// - Everything from the server is inserted with textContent: no innerHTML anywhere (dom.js).
// - Nothing is loaded from another origin.
import { currentToken, onUnauthorized, setToken } from "./api.js";
import { $ } from "./dom.js";
import { refreshDevNotice } from "./dev-notice.js";
import { closeDetail, initDetail, openDeliveryId, openDetail, refreshOpenDetail, setLangSmith } from "./detail.js";
import { initHealth, refreshHealth, resetHealth } from "./health.js";
import { focusRow, initList, markCurrent, refreshHead, resetList, startPolling, stopPolling } from "./list.js";
import { initLogin, showApp, showLogin } from "./login.js";
import { initRedrive } from "./redrive.js";
import { abortStream, initRunForm } from "./run-form.js";

const LINK = /^#\/deliveries\/(dlv_[0-9a-f]{24})$/;

/** The delivery the address names (#/deliveries/dlv_…), or null. */
const linkedId = () => LINK.exec(location.hash)?.[1] ?? null;

/** Puts the open delivery in the address without a new history entry per row visited. */
function setLink(id) {
  const hash = id === null ? "" : `#/deliveries/${id}`;
  if (location.hash !== hash && !(hash === "" && location.hash === "")) history.replaceState(null, "", `${location.pathname}${location.search}${hash}`);
}

function signOut(message) {
  setToken("");
  abortStream();
  showLogin(message);
}

/** Once per sign-in: a form the user opened again stays open when the filters change. */
let formFolded = false;

function openApp() {
  formFolded = false;
  showApp();
  resetList();
  resetHealth();
  startPolling();
  $("main").focus({ preventScroll: true });
  // On a phone the filters start folded: the table is what fits on the screen.
  if (matchMedia("(max-width: 699px)").matches) $("filter-box").open = false;
  const id = linkedId();
  if (id !== null) void openDetail(id);
}

// A form the user unfolded or typed into is theirs: the first load does not fold it.
$("run-details").addEventListener("focusin", () => (formFolded = true));
$("run-details").querySelector("summary")?.addEventListener("click", () => (formFolded = true));

onUnauthorized(signOut);
initLogin({ beforeShow: stopPolling, onSignedIn: openApp });
$("change-token").addEventListener("click", () => signOut());
initRunForm({ onStarted: () => void refreshHead() });
initHealth({ onLangSmith: setLangSmith });
initRedrive({
  onChange: () => {
    void refreshHead();
    void refreshHealth(true);
  },
});
initList({
  selectedId: openDeliveryId,
  onOpen: (id) => void openDetail(id),
  // The form is folded away once deliveries exist: the table is the subject then.
  onFirstLoad: (count) => {
    if (count > 0 && !formFolded) $("run-details").open = false;
    formFolded = true;
  },
  // Nothing to show (a fresh start, or a restart emptied the memory store): the form is the next step.
  onEmpty: () => {
    $("run-details").open = true;
  },
  // With the panel open, j/k show each row in it as focus moves (focus stays in the table).
  onMove: (id) => {
    if (openDeliveryId() !== null) void openDetail(id, { focus: false });
  },
  // The open delivery and the health strip are refreshed with the list, in the same 2 s loop.
  onTick: async () => {
    await refreshOpenDetail();
    void refreshHealth();
    void refreshDevNotice();
  },
});
initDetail({
  onSelect: (id) => {
    markCurrent(id);
    setLink(id);
  },
  onClose: (id) => {
    markCurrent(null);
    setLink(null);
    if (id !== null) focusRow(id);
  },
  onChange: () => {
    void refreshHead();
    void refreshHealth(true);
  },
});

// A link pasted into the address bar, or Back/Forward between links, opens that delivery.
window.addEventListener("hashchange", () => {
  if (!currentToken() || $("app").hidden) return;
  const id = linkedId();
  if (id !== null) void openDetail(id);
  else closeDetail();
});

void refreshDevNotice();
if (currentToken()) openApp();
else showLogin();
