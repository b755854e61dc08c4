// Reminders as they are sent: follows the user's notification stream (SSE, read with fetch so
// the bearer token can be sent; resumed with Last-Event-ID after a drop), shows a toast for
// each, and a browser notification when the user has allowed them (asked on a click only).

import { readEvents, request, userPath } from "./api.js";

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;
const TOAST_MS = 12000;

export class Notifier {
  /** `getSession()` gives the signed-in session; `onAuthError()` is called on a 401. */
  constructor(getSession, onAuthError) {
    this.getSession = getSession;
    this.onAuthError = onAuthError;
    this.controller = null;
    this.lastId = null;
  }

  /** Starts following the signed-in user's notifications (again). */
  start() {
    this.stop();
    this.lastId = null;
    this.controller = new AbortController();
    this.offerPermission();
    this.follow(this.controller.signal);
  }

  /** Stops following (sign-out). */
  stop() {
    if (this.controller) this.controller.abort();
    this.controller = null;
    document.getElementById("notify-permission")?.remove();
  }

  async follow(signal) {
    let wait = RETRY_MIN_MS;
    while (!signal.aborted) {
      const session = this.getSession();
      if (!session) return;
      try {
        const headers = this.lastId ? { "Last-Event-ID": this.lastId } : {};
        const resp = await request(session, "GET", userPath(session, "/notifications"), { headers, signal });
        wait = RETRY_MIN_MS;
        for await (const event of readEvents(resp)) {
          if (event.id) this.lastId = event.id;
          if (event.event === "reminder") this.show(event.data);
          if (event.event === "ready") document.body.dataset.notifications = "ready";
        }
      } catch (err) {
        if (signal.aborted || (err && err.name === "AbortError")) return;
        if (err && err.status === 401) return this.onAuthError();
      }
      delete document.body.dataset.notifications;
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, RETRY_MAX_MS);
    }
  }

  /** A toast, and a browser notification if allowed. */
  show(reminder) {
    const zone = this.getSession()?.time_zone || undefined;
    const when = reminder.due_at ? `due ${formatTime(reminder.due_at, zone)}` : "reminder";
    const late = reminder.late ? " (sent late)" : "";
    toast(reminder.title, `${when}${late}`);
    if ("Notification" in window && Notification.permission === "granted") {
      try {
        new Notification(`⏰ ${reminder.title}`, { body: `${when}${late}`, tag: `taskwire-${reminder.id}` });
      } catch {
        // Some browsers allow notifications only from a service worker: the toast is enough.
      }
    }
  }

  /** A bell in the top bar that asks for browser notifications, if they can be asked for. */
  offerPermission() {
    if (!("Notification" in window) || Notification.permission !== "default") return;
    if (document.getElementById("notify-permission")) return;
    const button = document.createElement("button");
    button.id = "notify-permission";
    button.type = "button";
    button.className = "ghost";
    button.textContent = "🔔 Notify me";
    button.title = "Show reminders as browser notifications";
    button.addEventListener("click", async () => {
      await Notification.requestPermission().catch(() => "denied");
      button.remove();
    });
    document.getElementById("zone")?.before(button);
  }
}

function toasts() {
  let box = document.getElementById("toasts");
  if (!box) {
    box = document.createElement("div");
    box.id = "toasts";
    box.className = "toasts";
    box.setAttribute("role", "status");
    box.setAttribute("aria-live", "polite");
    document.body.append(box);
  }
  return box;
}

function toast(title, detail) {
  const item = document.createElement("div");
  item.className = "toast";
  const head = document.createElement("strong");
  head.textContent = `⏰ ${title}`;
  const body = document.createElement("span");
  body.textContent = detail;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "icon";
  close.textContent = "×";
  close.title = "Dismiss";
  close.addEventListener("click", () => item.remove());
  item.append(head, body, close);
  toasts().append(item);
  setTimeout(() => item.remove(), TOAST_MS);
}

function formatTime(iso, zone) {
  try {
    return new Intl.DateTimeFormat(undefined, {
      timeZone: zone, weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit",
    }).format(new Date(iso));
  } catch {
    return new Date(iso).toLocaleString();
  }
}
