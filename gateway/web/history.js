// A task's History under it in the task panel: each change, what it did to which fields, when
// and by what (the REST API, the assistant, an MCP client), undone ones marked.

import { formatDue } from "./when.js";

/** One change: what it did, the fields it changed, when and by what, on the clock of `zone`. */
export function changeItem(change, zone) {
  const li = document.createElement("li");
  li.className = `change${change.undone ? " undone" : ""}`;
  li.dataset.action = change.action;
  li.dataset.source = change.source;

  const head = document.createElement("span");
  head.className = "change-head";
  const action = document.createElement("span");
  action.className = "change-action";
  action.textContent = ACTIONS[change.action] || change.action;
  head.append(action);
  if (change.undo_of) head.append(" ", tag("undo", "by an undo"));
  if (change.undone) head.append(" ", tag("undone", "since undone"));
  li.append(head);

  const fields = changedFields(change, zone);
  if (fields) {
    const what = document.createElement("span");
    what.className = "change-fields";
    what.textContent = fields;
    li.append(what);
  }

  const by = document.createElement("span");
  by.className = "change-by";
  const when = document.createElement("time");
  when.dateTime = change.at;
  when.textContent = formatWhen(change.at, zone);
  by.append(when, ` · ${sourceWords(change)}`);
  li.append(by);
  return li;
}

const ACTIONS = {
  created: "Created", updated: "Updated", completed: "Completed", reopened: "Reopened", deleted: "Deleted",
};

/** What made a change, for people. The page's Undo button is a REST call that undoes a turn. */
function sourceWords(change) {
  switch (change.source) {
    case "rest": return change.undo_of ? "you, with Undo" : "you, in the task list";
    case "chat": return "the assistant, in chat";
    case "mcp": return "an AI tool (MCP)";
    case "database": return "outside Taskwire";
    default: return change.source;
  }
}

function tag(text, title) {
  const span = document.createElement("span");
  span.className = `change-tag ${text}`;
  span.textContent = text;
  span.title = title;
  return span;
}

const FIELDS = {
  title: "title", description: "notes", completed: "done", priority: "priority", due_date: "due",
  tags: "tags", repeat: "repeats",
};

/** "title: “A” → “B”; due: none → Fri, Dec 11". A new task lists what it was given (not its
 * defaults); a deletion, a completion and a reopening say no more than their action. */
function changedFields(change, zone) {
  if (change.action === "deleted") return "";
  const value = (field, v) => {
    if (v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length)) return "none";
    if (Array.isArray(v)) return v.map((t) => `#${t}`).join(" ");
    if (field === "completed") return v ? "yes" : "no";
    if (field === "due_date") return formatDue(v, zone);
    if (field === "title" || field === "description") return `“${v}”`;
    return String(v);
  };
  return (change.changes || [])
    .filter((c) => c.field !== "completed" || change.action === "updated")
    .filter((c) => change.action !== "created" || !(c.field === "priority" && c.after === "medium"))
    .map((c) => (change.action === "created"
      ? `${FIELDS[c.field] || c.field}: ${value(c.field, c.after)}`
      : `${FIELDS[c.field] || c.field}: ${value(c.field, c.before)} → ${value(c.field, c.after)}`))
    .join("; ");
}

/** When a change happened, on the clock of `zone`: "Fri, Dec 11, 3:04 PM" (with the year
 * unless it is this one). */
function formatWhen(iso, zone) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const year = (t) => new Intl.DateTimeFormat(undefined, { timeZone: zone, year: "numeric" }).format(t);
  return new Intl.DateTimeFormat(undefined, {
    timeZone: zone, weekday: "short", month: "short", day: "numeric",
    year: year(d) === year(new Date()) ? undefined : "numeric", hour: "numeric", minute: "2-digit",
  }).format(d);
}
