// Signing in to the control room when the server has authentication on (docs/security.md).
//
// The page asks for a username and password, trades them for a bearer token
// (POST /auth/token) and keeps the token in sessionStorage: it survives a reload, not the
// closing of the tab, and it is never put in a cookie, so the browser never sends it on its
// own (no CSRF). Every API call carries it as `Authorization: Bearer`. The live stream
// cannot send headers (EventSource), so it opens with a one-minute ticket in its URL
// (POST /auth/ticket) that is good for /ui/events only.

import { t } from "./i18n.js";

const STORAGE_KEY = "dosi.session";
const $ = (id) => document.getElementById(id);

function stored() {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null");
  } catch {
    return null;
  }
}

function remember(session) {
  try {
    if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage refused (private mode): the session lasts as long as the page
  }
}

/** True when `token` is still accepted (the server checks signature and expiry). */
async function accepted(config, token) {
  try {
    const response = await fetch(config.auth.me, { headers: { Authorization: `Bearer ${token}` } });
    return response.ok;
  } catch {
    return false;
  }
}

/** Show the login form until the server issues a token; resolves with {token, username}. */
function loginForm() {
  const overlay = $("login");
  const form = $("login-form");
  const error = $("login-error");
  overlay.hidden = false;
  document.body.dataset.auth = "login";
  $("login-user").focus();
  return new Promise((resolve) => {
    const submit = async (event) => {
      event.preventDefault();
      error.hidden = true;
      const username = $("login-user").value.trim();
      const password = $("login-password").value;
      let response;
      try {
        response = await fetch("/auth/token", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ username, password }),
        });
      } catch {
        response = null;
      }
      if (!response?.ok) {
        const key = response?.status === 401 ? "login.failed" : "login.unavailable";
        error.dataset.i18n = key;
        error.textContent = t(key);
        error.hidden = false;
        $("login-password").select();
        return;
      }
      const body = await response.json();
      form.removeEventListener("submit", submit);
      $("login-password").value = "";
      overlay.hidden = true;
      resolve({ token: body.access_token, username });
    };
    form.addEventListener("submit", submit);
  });
}

/**
 * The signed-in session, or null when authentication is off. Asks for credentials when
 * there is no stored token or the stored one is no longer accepted.
 */
export async function signIn(config) {
  if (!config.auth?.enabled) return null;
  let session = stored();
  if (!session?.token || !(await accepted(config, session.token))) {
    session = await loginForm();
    remember(session);
  }
  document.body.dataset.auth = "in";
  const box = $("user-box");
  $("user-name").textContent = session.username;
  box.hidden = false;
  $("sign-out").addEventListener("click", signOut);
  return session;
}

/** Forget the token and start over at the login form. */
export function signOut() {
  remember(null);
  location.reload();
}

/** A URL for the live stream: with a fresh ticket when signed in. */
export async function streamUrl(url, session) {
  if (!session) return url;
  const response = await fetch("/auth/ticket", {
    method: "POST",
    headers: { Authorization: `Bearer ${session.token}` },
  });
  if (response.status === 401) signOut(); // the token expired: sign in again
  if (!response.ok) throw new Error(`stream ticket: HTTP ${response.status}`);
  const { ticket } = await response.json();
  return `${url}${url.includes("?") ? "&" : "?"}ticket=${encodeURIComponent(ticket)}`;
}
