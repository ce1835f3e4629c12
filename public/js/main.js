// The delivery inspector's entry point (index.html loads it as a module): wires the views together.
// The inspector shows a live list of what /api/webhook recorded, one delivery in full with Replay of
// what failed, and a form that starts runs through /api/trigger — so the whole loop can be driven
// from a browser.
//
// Plain JavaScript modules served as they are (public/ is not built). Views (login, list, detail,
// run-form) import only api, dom, format and their own helpers, never each other: what one view's
// action means for another is decided here, through the hooks each init function takes.
// Rules kept throughout:
// - The token lives in this tab's sessionStorage only and travels as `Authorization: Bearer`, never
//   in a URL (api.js).
// - Everything from the server is inserted with textContent: no innerHTML anywhere (dom.js).
// - Nothing is loaded from another origin.
import { currentToken, onUnauthorized, setToken } from "./api.js";
import { $ } from "./dom.js";
import { initDetail, openDeliveryId, openDetail, refreshOpenDetail } from "./detail.js";
import { focusRow, initList, markCurrent, refreshHead, resetList, startPolling, stopPolling } from "./list.js";
import { initLogin, showApp, showLogin } from "./login.js";
import { abortStream, initRunForm } from "./run-form.js";

function signOut(message) {
  setToken("");
  abortStream();
  showLogin(message);
}

function openApp() {
  showApp();
  resetList();
  startPolling();
  $("main").focus();
}

onUnauthorized(signOut);
initLogin({ beforeShow: stopPolling, onSignedIn: openApp });
$("change-token").addEventListener("click", () => signOut());
initRunForm({ onStarted: () => void refreshHead() });
initList({
  selectedId: openDeliveryId,
  onOpen: (id) => void openDetail(id),
  // The open delivery is refreshed with the list, in the same 2 s loop.
  onTick: refreshOpenDetail,
});
initDetail({
  onSelect: markCurrent,
  onClose: (id) => {
    markCurrent(null);
    if (id !== null) focusRow(id);
  },
  onChange: () => void refreshHead(),
});

if (currentToken()) openApp();
else showLogin();
