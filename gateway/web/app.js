// Taskwire's web page: sign-in/sign-up, the conversation list, and wiring the chat column and
// task panel together. Plain ES modules, no build step; the gateway embeds these files.

import { browserZone, clearSession, json, knownZones, loadSession, request, saveSession, userPath } from "./api.js";
import { Chat } from "./chat.js";
import { TaskPanel } from "./tasks.js";
import { Notifier } from "./notifications.js";

const $ = (id) => document.getElementById(id);

let session = loadSession();
let signingUp = false;

const tasks = new TaskPanel(() => session, expired);
const notifier = new Notifier(() => session, expired);
const chat = new Chat({
  getSession: () => session,
  onConversation: () => loadConversations(),
  onTasksChanged: () => tasks.refresh(),
  onTurnEnded: () => { setBusy(false); loadConversations(); },
  onAuthError: expired,
});

// ---------------------------------------------------------------------------------------------
// Signing in and out

function showAuth(message) {
  $("app").hidden = true;
  $("auth").hidden = false;
  authError(message || null);
  $("auth-password").value = "";
  $("auth-email").focus();
}

function showApp() {
  $("auth").hidden = true;
  $("app").hidden = false;
  $("who").textContent = session.email || "";
  showZone(session.time_zone || "UTC");
  chat.reset();
  tasks.refresh();
  loadConversations();
  loadProfile();
  notifier.start();
  $("message").focus();
}

// ---------------------------------------------------------------------------------------------
// The time zone: due dates are read and shown in the profile's zone

function showZone(zone) {
  $("zone").textContent = zone;
  tasks.setZone(zone);
}

/** The profile's zone may have changed elsewhere (another device, the API). */
async function loadProfile() {
  try {
    const profile = await json(session, "GET", userPath(session, "/profile"));
    if (profile.time_zone !== session.time_zone) {
      session = { ...session, time_zone: profile.time_zone };
      saveSession(session);
      showZone(profile.time_zone);
    }
  } catch (err) {
    if (err.status === 401) expired();
  }
}

function openZoneForm() {
  const form = $("zone-form");
  if (!form.hidden) return closeZoneForm();
  const list = $("zone-list");
  if (!list.children.length) {
    for (const zone of knownZones()) {
      const option = document.createElement("option");
      option.value = zone;
      list.append(option);
    }
  }
  $("zone-input").value = session.time_zone || "UTC";
  const here = browserZone();
  $("zone-browser").hidden = !here || here === session.time_zone;
  $("zone-browser").textContent = here ? `Use ${here}` : "";
  $("zone-error").hidden = true;
  form.hidden = false;
  $("zone-input").select();
}

function closeZoneForm() {
  $("zone-form").hidden = true;
}

async function saveZone(zone) {
  try {
    const profile = await json(session, "PATCH", userPath(session, "/profile"), { time_zone: zone });
    session = { ...session, time_zone: profile.time_zone };
    saveSession(session);
    showZone(profile.time_zone);
    closeZoneForm();
  } catch (err) {
    if (err.status === 401) return expired();
    $("zone-error").hidden = false;
    $("zone-error").textContent = err.message.replace(/^time_zone: /, "");
  }
}

function authError(text) {
  $("auth-error").hidden = !text;
  $("auth-error").textContent = text || "";
}

function setMode(up) {
  signingUp = up;
  $("auth-title").textContent = up ? "Create an account" : "Sign in";
  $("auth-submit").textContent = up ? "Create account" : "Sign in";
  $("auth-switch-text").textContent = up ? "Have an account?" : "New here?";
  $("auth-switch").textContent = up ? "Sign in" : "Create an account";
  $("auth-hint").hidden = !up;
  $("auth-password").autocomplete = up ? "new-password" : "current-password";
  authError(null);
}

async function submitAuth(event) {
  event.preventDefault();
  const email = $("auth-email").value.trim();
  const password = $("auth-password").value;
  if (!email || !password) {
    authError("Enter your email and a password.");
    return;
  }
  const submit = $("auth-submit");
  submit.disabled = true;
  try {
    const path = signingUp ? "/api/auth/sign-up" : "/api/auth/sign-in";
    session = await json(null, "POST", path, { email, password, time_zone: browserZone() });
    saveSession(session);
    $("auth-password").value = "";
    showApp();
  } catch (err) {
    authError(err.status === 429
      ? `Too many attempts. Wait ${err.retryAfter || 60} seconds and try again.`
      : err.message.replace(/^(email|password): /, (m, f) => `${f[0].toUpperCase()}${f.slice(1)} `));
  } finally {
    submit.disabled = false;
  }
}

/** The sign-out button: ends the session on the server too (its token is refused from then
 * on, on every gateway), then forgets it here. A failed call still signs out locally. */
function signOutEverywhere() {
  const ending = session;
  signOut();
  if (ending) request(ending, "POST", "/api/auth/sign-out").catch(() => {});
}

function signOut() {
  closeZoneForm();
  clearSession();
  session = null;
  notifier.stop();
  tasks.clear();
  chat.reset();
  $("conversation-list").replaceChildren();
  setMode(false);
  showAuth();
}

/** A 401 from any call: the token expired or was revoked. */
function expired() {
  if (!session) return;
  signOut();
  authError("Your session has ended. Sign in again.");
}

// ---------------------------------------------------------------------------------------------
// Conversations

async function loadConversations() {
  if (!session) return;
  let list;
  try {
    list = await json(session, "GET", userPath(session, "/conversations?limit=50"));
  } catch (err) {
    if (err.status === 401) expired();
    return;
  }
  const ul = $("conversation-list");
  ul.replaceChildren();
  for (const c of list) {
    const li = document.createElement("li");
    li.className = `conversation${c.id === chat.conversationId ? " active" : ""}`;
    li.dataset.conversationId = c.id;
    const open = document.createElement("button");
    open.type = "button";
    open.className = "conversation-open";
    open.textContent = c.title || "Untitled";
    open.title = c.title || "";
    open.addEventListener("click", () => openConversation(c.id));
    const del = document.createElement("button");
    del.type = "button";
    del.className = "icon conversation-delete";
    del.textContent = "×";
    del.title = "Delete conversation";
    del.setAttribute("aria-label", `Delete “${c.title}”`);
    del.addEventListener("click", () => deleteConversation(c.id));
    li.append(open, del);
    ul.append(li);
  }
  $("conversations-empty").hidden = list.length > 0;
}

async function openConversation(id) {
  if (chat.busy) return;
  try {
    const history = await json(session, "GET", userPath(session, `/conversations/${id}/messages?limit=500`));
    chat.show(id, history);
  } catch (err) {
    if (err.status === 401) return expired();
    if (err.status === 404) chat.reset();
  }
  closeDrawers();
  loadConversations();
  $("message").focus();
}

async function deleteConversation(id) {
  try {
    await json(session, "DELETE", userPath(session, `/conversations/${id}`));
  } catch (err) {
    if (err.status === 401) return expired();
  }
  if (chat.conversationId === id) chat.reset();
  loadConversations();
}

// ---------------------------------------------------------------------------------------------
// The composer

function setBusy(busy) {
  $("send").disabled = busy;
  $("composer").classList.toggle("busy", busy);
}

function send(event) {
  if (event) event.preventDefault();
  const box = $("message");
  const text = box.value.trim();
  if (!text || chat.busy) return;
  box.value = "";
  grow();
  setBusy(true);
  chat.send(text);
}

function grow() {
  const box = $("message");
  box.style.height = "auto";
  box.style.height = `${Math.min(box.scrollHeight, 200)}px`;
}

// Narrow screens: the conversation list and the task panel are drawers.
function toggleDrawer(id, button) {
  const open = !$(id).classList.contains("open");
  closeDrawers();
  $(id).classList.toggle("open", open);
  $(button).setAttribute("aria-expanded", String(open));
}

function closeDrawers() {
  for (const [id, button] of [["conversations", "toggle-conversations"], ["tasks", "toggle-tasks"]]) {
    $(id).classList.remove("open");
    $(button).setAttribute("aria-expanded", "false");
  }
}

function wire() {
  $("auth-form").addEventListener("submit", submitAuth);
  $("auth-switch").addEventListener("click", () => setMode(!signingUp));
  $("sign-out").addEventListener("click", signOutEverywhere);
  $("new-conversation").addEventListener("click", () => {
    chat.reset();
    closeDrawers();
    loadConversations();
    $("message").focus();
  });
  $("composer").addEventListener("submit", send);
  $("message").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) send(e);
  });
  $("message").addEventListener("input", grow);
  $("toggle-conversations").addEventListener("click", () => toggleDrawer("conversations", "toggle-conversations"));
  $("toggle-tasks").addEventListener("click", () => toggleDrawer("tasks", "toggle-tasks"));
  $("zone").addEventListener("click", openZoneForm);
  $("zone-cancel").addEventListener("click", closeZoneForm);
  $("zone-browser").addEventListener("click", () => saveZone(browserZone()));
  $("zone-form").addEventListener("submit", (e) => {
    e.preventDefault();
    saveZone($("zone-input").value.trim());
  });
  // Signing in or out in another tab applies here too.
  window.addEventListener("storage", () => {
    const now = loadSession();
    if (!now && session) signOut();
    else if (now && (!session || now.token !== session.token)) { session = now; showApp(); }
  });
}

wire();
if (session) showApp();
else showAuth();
