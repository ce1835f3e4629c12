// The sign-in view: asks for the TRIGGER_TOKEN, proves it with one cheap request, and swaps the
// sign-in card and the app. What follows a sign-in or precedes the card is main.js's (hooks).
import { ApiError, listDeliveries, setToken } from "./api.js";
import { $ } from "./dom.js";

const hooks = {
  /** Runs before the sign-in card shows (main.js stops polling). */
  beforeShow: () => {},
  /** Runs once the token has worked. */
  onSignedIn: () => {},
};

export function initLogin({ beforeShow, onSignedIn }) {
  hooks.beforeShow = beforeShow;
  hooks.onSignedIn = onSignedIn;
  $("login-form").addEventListener("submit", (event) => void signIn(event));
}

/** Hides the app and shows the sign-in card, with a message when there is something to say. */
export function showLogin(message) {
  hooks.beforeShow();
  $("app").hidden = true;
  $("session").hidden = true;
  $("login").hidden = false;
  const error = $("token-error");
  error.textContent = message ?? "";
  error.hidden = !message;
  $("token").setAttribute("aria-invalid", message ? "true" : "false");
  $("token").focus();
}

/** Hides the sign-in card and shows the app and the "Change token" button. */
export function showApp() {
  $("login").hidden = true;
  $("token-error").hidden = true;
  $("app").hidden = false;
  $("session").hidden = false;
}

async function signIn(event) {
  event.preventDefault();
  const token = $("token").value.trim();
  if (token === "") {
    showLogin("Enter the token first.");
    return;
  }
  setToken(token);
  const button = $("login-submit");
  button.disabled = true;
  try {
    // One cheap request proves the token before the page opens.
    await listDeliveries(new URLSearchParams({ limit: "1" }));
    $("token").value = "";
    hooks.onSignedIn();
  } catch (error) {
    // A 401 has already signed out with its own message (api.js).
    if (error instanceof ApiError && error.status !== 401) {
      setToken("");
      showLogin(`${error.message}${error.status ? ` (HTTP ${error.status})` : ""}`);
    }
  } finally {
    button.disabled = false;
  }
}
