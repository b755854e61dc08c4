// The task panel beside the chat: the user's tasks from the REST API, ticked, renamed and
// deleted in place, newest first or grouped by due date. Due dates are shown in the user's
// time zone (their profile's), overdue ones marked. Refreshed after every tool result of the
// chat.

import { json, userPath } from "./api.js";

const $ = (id) => document.getElementById(id);

export class TaskPanel {
  /** `getSession()` gives the current session; `onAuthError(err)` handles a 401. */
  constructor(getSession, onAuthError) {
    this.getSession = getSession;
    this.onAuthError = onAuthError;
    this.tasks = [];
    this.loading = null;
    this.zone = "UTC";
    this.order = "created";
    $("refresh-tasks").addEventListener("click", () => this.refresh());
    $("task-order").addEventListener("change", (e) => {
      this.order = e.target.value;
      this.render();
    });
  }

  /** Shows due dates in `zone` (an IANA name) from now on. */
  setZone(zone) {
    this.zone = zone;
    this.render();
  }

  clear() {
    this.tasks = [];
    this.render();
  }

  /** Reloads the list; concurrent calls share one request and then load once more. */
  async refresh() {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.load();
    try {
      await this.loading;
    } finally {
      this.loading = null;
    }
    if (this.again) {
      this.again = false;
      await this.refresh();
    }
  }

  async load() {
    const session = this.getSession();
    if (!session) return;
    try {
      this.tasks = await json(session, "GET", userPath(session, "/tasks?limit=100&sort=-created_at"));
      this.showError(null);
    } catch (err) {
      this.fail(err, "Could not load your tasks.");
    }
    this.render();
  }

  fail(err, what) {
    if (err && err.status === 401) {
      this.onAuthError(err);
      return;
    }
    this.showError(`${what} ${err && err.message ? err.message : ""}`.trim());
  }

  showError(text) {
    const el = $("tasks-error");
    el.hidden = !text;
    el.textContent = text || "";
  }

  render() {
    const list = $("task-list");
    list.replaceChildren();
    const open = this.tasks.filter((t) => !t.completed);
    const done = this.tasks.filter((t) => t.completed);
    if (this.order === "due") {
      // Open tasks by due date under Overdue / Today / Tomorrow / Later / No date, then done.
      const now = Date.now();
      const today = dayKey(now, this.zone);
      const tomorrow = dayKey(now + 86_400_000, this.zone);
      const group = (t) => {
        if (!t.due_date) return "No due date";
        const due = Date.parse(t.due_date);
        if (due < now) return "Overdue";
        const day = dayKey(due, this.zone);
        return day === today ? "Today" : day === tomorrow ? "Tomorrow" : "Later";
      };
      const byDue = [...open].sort((a, b) =>
        (a.due_date ? Date.parse(a.due_date) : Infinity) - (b.due_date ? Date.parse(b.due_date) : Infinity));
      let last = null;
      for (const task of [...byDue, ...done]) {
        const name = task.completed ? "Done" : group(task);
        if (name !== last) {
          const heading = document.createElement("li");
          heading.className = "task-group";
          heading.textContent = name;
          list.append(heading);
          last = name;
        }
        list.append(this.item(task));
      }
    } else {
      // Open tasks first, each group newest first (the API's order).
      for (const task of [...open, ...done]) list.append(this.item(task));
    }
    $("task-count").textContent = this.tasks.length ? `${open.length} open` : "";
    $("tasks-empty").hidden = this.tasks.length > 0;
  }

  item(task) {
    const li = document.createElement("li");
    const overdue = !task.completed && task.due_date && Date.parse(task.due_date) < Date.now();
    li.className = `task priority-${task.priority}${task.completed ? " completed" : ""}${overdue ? " overdue" : ""}`;
    li.dataset.taskId = String(task.id);

    const tick = document.createElement("input");
    tick.type = "checkbox";
    tick.checked = task.completed;
    tick.className = "task-tick";
    tick.setAttribute("aria-label", `${task.completed ? "Reopen" : "Complete"} “${task.title}”`);
    tick.addEventListener("change", () => this.toggle(task, tick));

    const body = document.createElement("div");
    body.className = "task-body";
    const title = document.createElement("span");
    title.className = "task-title";
    title.textContent = task.title;
    title.title = "Double-click to rename";
    title.addEventListener("dblclick", () => this.edit(task, li, body));
    body.append(title);
    const meta = document.createElement("span");
    meta.className = "task-meta";
    const bits = [];
    if (task.priority !== "medium") bits.push(`${task.priority} priority`);
    if (task.due_date) bits.push(`${overdue ? "overdue since" : "due"} ${formatDue(task.due_date, this.zone)}`);
    meta.textContent = bits.join(" · ");
    if (bits.length) body.append(meta);

    const edit = button("✎", `Rename “${task.title}”`, "task-edit", () => this.edit(task, li, body));
    const del = button("✕", `Delete “${task.title}”`, "task-delete", () => this.remove(task, li));
    li.append(tick, body, edit, del);
    return li;
  }

  async toggle(task, tick) {
    const session = this.getSession();
    tick.disabled = true;
    try {
      const updated = await json(session, "PATCH", userPath(session, `/tasks/${task.id}/complete`));
      Object.assign(task, updated);
    } catch (err) {
      this.fail(err, "Could not update that task.");
    }
    this.render();
  }

  edit(task, li, body) {
    if (li.querySelector(".task-rename")) return;
    const input = document.createElement("input");
    input.className = "task-rename";
    input.value = task.title;
    input.maxLength = 200;
    input.setAttribute("aria-label", "New title");
    body.replaceChildren(input);
    input.focus();
    input.select();
    let done = false;
    const finish = async (save) => {
      if (done) return;
      done = true;
      const title = input.value.trim();
      if (save && title && title !== task.title) {
        const session = this.getSession();
        try {
          Object.assign(task, await json(session, "PUT", userPath(session, `/tasks/${task.id}`), { title }));
          this.showError(null);
        } catch (err) {
          this.fail(err, "Could not rename that task.");
        }
      }
      this.render();
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); finish(true); }
      if (e.key === "Escape") { e.preventDefault(); finish(false); }
    });
    input.addEventListener("blur", () => finish(true));
  }

  async remove(task, li) {
    const session = this.getSession();
    li.classList.add("removing");
    try {
      await json(session, "DELETE", userPath(session, `/tasks/${task.id}`));
      this.tasks = this.tasks.filter((t) => t.id !== task.id);
      this.showError(null);
    } catch (err) {
      this.fail(err, "Could not delete that task.");
    }
    this.render();
  }
}

function button(text, label, className, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = `icon ${className}`;
  b.textContent = text;
  b.title = label;
  b.setAttribute("aria-label", label);
  b.addEventListener("click", onClick);
  return b;
}

/** "Fri, Dec 11", with the time unless it is 17:00 (a due day's default) and the year unless
 * it is this one, on the clock of `zone`. */
function formatDue(iso, zone) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = (options) => new Intl.DateTimeFormat(undefined, { timeZone: zone, ...options });
  const year = (t) => parts({ year: "numeric" }).format(t);
  const clock = parts({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(d);
  return parts({
    weekday: "short", month: "short", day: "numeric",
    year: year(d) === year(new Date()) ? undefined : "numeric",
    hour: clock === "17:00" ? undefined : "numeric",
    minute: clock === "17:00" ? undefined : "2-digit",
  }).format(d);
}

/** The calendar day of instant `ms` in `zone`, as "YYYY-MM-DD". */
function dayKey(ms, zone) {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
  }).format(ms);
}
