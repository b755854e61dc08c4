// The task panel beside the chat: the user's tasks from the REST API, ticked, renamed and
// deleted in place, newest first or grouped by due date, searched or filtered by a tag (a
// click on a task's #tag). Repeating tasks say how they repeat ("↻ every weekday"). Due dates are shown in the user's
// time zone (their profile's), overdue ones marked. Each task's History opens a list of its
// changes under it. Refreshed after every tool result of the chat.

import { json, request, userPath } from "./api.js";
import { changeItem } from "./history.js";
import { dayKey, formatDue } from "./when.js";

/** How many of a task's changes the History shows (the newest ones). */
const HISTORY_LIMIT = 100;

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
    /** The tasks whose History is open, and each one's last loaded changes. */
    this.historyOpen = new Set();
    this.histories = new Map();
    this.historyLoads = new Map(); // the latest load of each, so an older answer is dropped
    /** The search words and the tag the list is narrowed to, if any. */
    this.query = "";
    this.tag = null;
    $("refresh-tasks").addEventListener("click", () => this.refresh());
    let typing = null;
    $("task-search").addEventListener("input", (e) => {
      clearTimeout(typing);
      typing = setTimeout(() => this.filterBy(e.target.value.trim(), this.tag), 250);
    });
    $("task-filter-clear").addEventListener("click", () => {
      $("task-search").value = "";
      this.filterBy("", null);
    });
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

  /** Narrows the list to tasks matching `query` and carrying `tag` (either may be empty). */
  filterBy(query, tag) {
    this.query = query;
    this.tag = tag;
    const words = [tag && `tagged #${tag}`, query && `matching “${query}”`].filter(Boolean);
    $("task-filter").hidden = !words.length;
    $("task-filter-text").textContent = words.length ? `Tasks ${words.join(" and ")}` : "";
    this.refresh();
  }

  clear() {
    this.tasks = [];
    this.historyOpen.clear();
    this.histories.clear();
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
      const params = new URLSearchParams({ limit: "100" });
      if (this.query) params.set("q", this.query);
      else params.set("sort", "-created_at");
      if (this.tag) params.set("tag", this.tag);
      this.tasks = await json(session, "GET", userPath(session, `/tasks?${params}`));
      this.showError(null);
    } catch (err) {
      this.fail(err, "Could not load your tasks.");
    }
    // A task that is gone closes its History; an open one may have changed: load it again.
    for (const id of this.historyOpen) {
      if (!this.tasks.some((t) => t.id === id)) {
        this.historyOpen.delete(id);
        this.histories.delete(id);
      }
    }
    this.render();
    for (const id of this.historyOpen) this.loadHistory(id);
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
    $("tasks-empty").textContent = this.query || this.tag
      ? "No tasks match." : "No tasks yet. Ask for one in the chat.";
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
    if (task.repeat_text) bits.push(`↻ ${task.repeat_text}`);
    meta.textContent = bits.join(" · ");
    if (bits.length) body.append(meta);
    if (task.tags && task.tags.length) {
      const tags = document.createElement("span");
      tags.className = "task-tags";
      for (const name of task.tags) {
        const chip = document.createElement("button");
        chip.type = "button";
        chip.className = "task-tag";
        chip.textContent = `#${name}`;
        chip.title = `Show tasks tagged #${name}`;
        chip.addEventListener("click", () => this.filterBy(this.query, name));
        tags.append(chip);
      }
      body.append(tags);
    }

    const open = this.historyOpen.has(task.id);
    const historyId = `task-history-${task.id}`;
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "link task-history-toggle";
    toggle.textContent = "History";
    toggle.setAttribute("aria-expanded", String(open));
    toggle.setAttribute("aria-controls", historyId);
    toggle.setAttribute("aria-label", `History of “${task.title}”`);
    toggle.addEventListener("click", () => this.toggleHistory(task.id));
    const history = document.createElement("div");
    history.id = historyId;
    history.className = "task-history";
    history.hidden = !open;
    body.append(toggle, history);
    if (open) this.showHistory(task.id, history);

    const edit = button("✎", `Rename “${task.title}”`, "task-edit", () => this.edit(task, li, body));
    const del = button("✕", `Delete “${task.title}”`, "task-delete", () => this.remove(task, li));
    li.append(tick, body, edit, del);
    return li;
  }

  /** Opens or closes a task's History; opening it loads the changes. */
  toggleHistory(id) {
    if (this.historyOpen.has(id)) {
      this.historyOpen.delete(id);
      this.histories.delete(id);
    } else {
      this.historyOpen.add(id);
    }
    this.render();
    const toggle = $("task-list").querySelector(`li[data-task-id="${id}"] .task-history-toggle`);
    if (toggle) toggle.focus();
    if (this.historyOpen.has(id)) this.loadHistory(id);
  }

  /** Loads task `id`'s newest changes (at most HISTORY_LIMIT, shown oldest first). */
  async loadHistory(id) {
    const session = this.getSession();
    if (!session) return;
    const load = (this.historyLoads.get(id) || 0) + 1;
    this.historyLoads.set(id, load);
    const page = async (offset) => {
      const resp = await request(session, "GET",
        userPath(session, `/tasks/${id}/history?limit=${HISTORY_LIMIT}&offset=${offset}`));
      return { changes: await resp.json(), total: Number(resp.headers.get("x-total-count")) || 0 };
    };
    let loaded;
    try {
      loaded = await page(0);
      if (loaded.total > HISTORY_LIMIT) loaded = { ...(await page(loaded.total - HISTORY_LIMIT)), total: loaded.total };
    } catch (err) {
      if (err && err.status === 401) return this.onAuthError(err);
      loaded = { error: `Could not load the history. ${err && err.message ? err.message : ""}`.trim() };
    }
    if (!this.historyOpen.has(id) || this.historyLoads.get(id) !== load) return;
    this.histories.set(id, loaded);
    const box = document.getElementById(`task-history-${id}`);
    if (box) this.showHistory(id, box);
  }

  /** Fills `box` with task `id`'s loaded changes (or says they are loading). */
  showHistory(id, box) {
    const loaded = this.histories.get(id);
    const note = (text, className = "muted small") => {
      const p = document.createElement("p");
      p.className = className;
      p.textContent = text;
      return p;
    };
    if (!loaded) return box.replaceChildren(note("Loading history…"));
    if (loaded.error) return box.replaceChildren(note(loaded.error, "error small"));
    if (!loaded.changes.length) return box.replaceChildren(note("No changes recorded for this task."));
    const list = document.createElement("ol");
    list.className = "history-list";
    for (const change of loaded.changes) list.append(changeItem(change, this.zone));
    box.replaceChildren(list);
    if (loaded.total > loaded.changes.length) {
      box.append(note(`The last ${loaded.changes.length} of ${loaded.total} changes.`));
    }
  }

  async toggle(task, tick) {
    const session = this.getSession();
    tick.disabled = true;
    try {
      const updated = await json(session, "PATCH", userPath(session, `/tasks/${task.id}/complete`));
      Object.assign(task, updated);
      // Completing a repeating task added its next occurrence: show it.
      if (updated.repeat && updated.completed) await this.refresh();
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
