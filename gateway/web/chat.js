// The chat column: messages, replies streamed token by token from `POST /chat/stream`, tool
// calls as chips, kind errors with a retry (a dropped stream resumes from its last event), and
// an Undo button under each reply whose turn changed tasks.

import { ApiError, json, readEvents, request, userPath } from "./api.js";

const $ = (id) => document.getElementById(id);

/** A chip's words for a tool call and its result: "added: Buy milk". */
export function chipText(tool, args, result, ok) {
  const r = result && typeof result === "object" ? result : {};
  const a = args && typeof args === "object" ? args : {};
  const title = r.title || a.title || (r.task_id || a.task_id ? `#${r.task_id || a.task_id}` : "");
  if (ok === false || r.error) return `${tool.replace(/_task$|_tasks$/, "")}: ${r.message || "failed"}`;
  switch (tool) {
    case "add_task": return `added: ${title}`;
    case "complete_task": return `${r.status === "pending" ? "reopened" : "completed"}: ${title}`;
    case "delete_task": return `deleted: ${title}`;
    case "update_task": return `updated: ${title}`;
    case "list_tasks": return Array.isArray(result) ? `listed ${result.length} task${result.length === 1 ? "" : "s"}` : "listed tasks";
    case "undo_last_turn": return Array.isArray(r.items) ? `undid changes to ${r.items.length} task${r.items.length === 1 ? "" : "s"}` : "undo";
    default: return tool;
  }
}

/** The tools that change tasks; a turn with one that did not fail can be undone. */
const CHANGING_TOOLS = new Set(["add_task", "complete_task", "delete_task", "update_task", "undo_last_turn"]);

/** Whether a turn's `tool_calls` (`[{tool, result}]`) changed any task. */
export function changedTasks(toolCalls) {
  return Array.isArray(toolCalls) && toolCalls.some((call) => call && CHANGING_TOOLS.has(call.tool)
    && !(call.result && typeof call.result === "object" && "error" in call.result));
}

/** What an undo did to one task, for people: "Restored “Pay rent” (#12)". */
export function undoWords(item) {
  const name = `“${item.title}” (#${item.task_id})`;
  switch (item.result) {
    case "restored": return `Restored ${name}`;
    case "removed": return `Removed ${name}`;
    case "reverted": return `Put back ${name} as it was`;
    case "changed_since": return `Left ${name} alone: it changed since`;
    default: return `${item.result} ${name}`;
  }
}

export class Chat {
  /**
   * `hooks`: `getSession()`, `onConversation(id)` (a new conversation got its id),
   * `onTasksChanged()`, `onTurnEnded()`, `onAuthError(err)`.
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.conversationId = null;
    this.busy = false;
    this.messages = $("messages");
  }

  /** Empties the column (a new conversation). */
  reset() {
    this.conversationId = null;
    this.messages.replaceChildren($("welcome") || welcome());
    $("welcome").hidden = false;
  }

  /** Shows a stored conversation. */
  show(conversationId, history) {
    this.conversationId = conversationId;
    this.reset();
    this.conversationId = conversationId;
    $("welcome").hidden = history.length > 0;
    for (const m of history) {
      const bubble = this.bubble(m.role, m.content);
      for (const call of m.tool_calls || []) {
        this.addChip(bubble, chipText(call.tool, call.arguments, call.result, !(call.result && call.result.error)));
      }
      if (m.role === "assistant") this.addUndo(bubble, m.job_id, m.tool_calls);
    }
    this.scroll();
  }

  bubble(role, text) {
    $("welcome").hidden = true;
    const wrap = document.createElement("div");
    wrap.className = `message ${role}`;
    const chips = document.createElement("div");
    chips.className = "chips";
    const body = document.createElement("div");
    body.className = "text";
    body.textContent = text || "";
    wrap.append(chips, body);
    this.messages.append(wrap);
    return wrap;
  }

  addChip(bubble, text, pending = false) {
    const chip = document.createElement("span");
    chip.className = `chip${pending ? " pending" : ""}`;
    chip.textContent = text;
    bubble.querySelector(".chips").append(chip);
    return chip;
  }

  scroll() {
    this.messages.scrollTop = this.messages.scrollHeight;
  }

  /** An Undo button under `bubble` when its turn (`jobId`) changed tasks. A reply shown again
   * from a stored conversation gets one too: undoing a turn twice says there is nothing left. */
  addUndo(bubble, jobId, toolCalls) {
    if (!jobId || !changedTasks(toolCalls) || bubble.querySelector(".undo")) return;
    const actions = document.createElement("div");
    actions.className = "reply-actions";
    const undo = document.createElement("button");
    undo.type = "button";
    undo.className = "undo";
    undo.textContent = "Undo";
    undo.title = "Undo what this reply changed in your tasks";
    const status = document.createElement("p");
    status.className = "undo-status";
    status.setAttribute("role", "status");
    status.hidden = true;
    undo.addEventListener("click", () => this.undo(jobId, undo, status));
    actions.append(undo);
    bubble.append(actions, status);
  }

  /** Reverts turn `jobId`'s task changes and says what happened under its reply. */
  async undo(jobId, button, status) {
    const session = this.hooks.getSession();
    if (!session) return;
    button.disabled = true;
    status.classList.remove("error");
    let report;
    try {
      report = await json(session, "POST", userPath(session, `/jobs/${encodeURIComponent(jobId)}/undo`));
    } catch (err) {
      if (err && err.status === 401) return this.hooks.onAuthError(err);
      button.disabled = false;
      status.classList.add("error");
      status.textContent = undoError(err);
      status.hidden = false;
      return;
    }
    const items = Array.isArray(report && report.items) ? report.items : [];
    status.textContent = items.length ? `${items.map(undoWords).join(". ")}.` : "Nothing left to undo.";
    status.hidden = false;
    this.hooks.onTasksChanged();
  }

  /** Sends `text` and streams the reply into a new assistant bubble. `messageId` names the
   * message: "Try again" sends the same one, so a message that did reach the server is not
   * sent twice (the server answers with its turn). */
  async send(text, messageId = newMessageId()) {
    if (this.busy) return;
    this.busy = true;
    this.bubble("user", text);
    const reply = this.bubble("assistant", "");
    reply.classList.add("streaming");
    this.scroll();
    const session = this.hooks.getSession();
    const body = { message: text, message_id: messageId };
    if (this.conversationId) body.conversation_id = this.conversationId;
    try {
      const resp = await request(session, "POST", userPath(session, "/chat/stream"), {
        body, headers: { Accept: "text/event-stream" },
      });
      await this.follow(resp, reply, text);
    } catch (err) {
      this.failed(reply, err, () => this.retrySend(reply, text, messageId));
    } finally {
      this.busy = false;
      reply.classList.remove("streaming");
      this.hooks.onTurnEnded();
    }
  }

  async retrySend(reply, text, messageId) {
    reply.remove();
    const last = this.messages.lastElementChild;
    if (last && last.classList.contains("user")) last.remove();
    await this.send(text, messageId);
  }

  /** Renders the events of one turn into `reply`; resumes once if the stream drops. */
  async follow(resp, reply, text, state = { lastId: null, jobId: null, chips: new Map() }) {
    const out = reply.querySelector(".text");
    let node = out.firstChild || out.appendChild(document.createTextNode(""));
    for await (const { id, event, data } of readEvents(resp)) {
      if (id) state.lastId = id;
      switch (event) {
        case "accepted":
          state.jobId = data.job_id;
          if (this.conversationId !== data.conversation_id) {
            this.conversationId = data.conversation_id;
            this.hooks.onConversation(data.conversation_id);
          }
          break;
        case "started":
          if (data.attempt > 1) { node.data = ""; } // text of an earlier attempt is void
          break;
        case "delta":
          node.appendData(data.text || "");
          this.scroll();
          break;
        case "tool_call":
          state.chips.set(data.id, this.addChip(reply, chipText(data.tool, data.arguments, null, true).replace(/: $/, "…"), true));
          break;
        case "tool_result": {
          const chip = state.chips.get(data.id) || this.addChip(reply, "");
          chip.textContent = chipText(data.tool, null, data.result, data.ok);
          chip.classList.remove("pending");
          if (!data.ok) chip.classList.add("failed");
          if (data.tool !== "list_tasks") this.hooks.onTasksChanged();
          break;
        }
        case "done":
          node.data = data.response || node.data;
          this.addUndo(reply, data.job_id || state.jobId, data.tool_calls);
          this.hooks.onTasksChanged();
          return;
        case "error":
          throw new ApiError(502, data.code || "error", data.message || "The assistant could not answer.");
        default:
          break;
      }
    }
    // The stream ended without `done` or `error`: pick it up where it stopped.
    if (!state.jobId) throw new ApiError(0, "network", "The connection dropped before the message was accepted.");
    if (state.resumed) throw new ApiError(0, "interrupted", "The connection dropped while the answer was coming in.");
    state.resumed = true;
    const session = this.hooks.getSession();
    const headers = { Accept: "text/event-stream" };
    if (state.lastId) headers["Last-Event-ID"] = state.lastId;
    const again = await request(session, "GET", userPath(session, `/jobs/${state.jobId}/events`), { headers });
    return this.follow(again, reply, text, state);
  }

  /** Shows `err` kindly in `reply`, with a retry button that runs `retry`. */
  failed(reply, err, retry) {
    if (err && err.status === 401) {
      this.hooks.onAuthError(err);
      return;
    }
    reply.classList.add("failed");
    const box = document.createElement("div");
    box.className = "error-box";
    box.setAttribute("role", "alert");
    const words = document.createElement("span");
    words.textContent = kindWords(err);
    const again = document.createElement("button");
    again.type = "button";
    again.className = "retry";
    again.textContent = "Try again";
    again.addEventListener("click", () => { box.remove(); retry(); });
    box.append(words, again);
    reply.append(box);
    this.scroll();
  }
}

function kindWords(err) {
  if (!err) return "Something went wrong.";
  if (err.status === 429) {
    const wait = err.retryAfter ? ` in ${err.retryAfter} s` : " in a moment";
    return `You're sending messages quickly — try again${wait}.`;
  }
  if (err.status === 0) return err.message;
  if (err.status === 503) return "Taskwire is briefly unavailable. Try again shortly.";
  if (err.status === 502) return `The assistant couldn't finish: ${err.message}`;
  return `Sorry, that didn't work: ${err.message}`;
}

function undoError(err) {
  if (!err) return "Could not undo that.";
  if (err.status === 409) return "This turn is still running: try Undo again once it has answered.";
  if (err.status === 404) return "That turn is no longer there, so there is nothing to undo.";
  if (err.status === 429) return `Too many requests: try again${err.retryAfter ? ` in ${err.retryAfter} s` : " in a moment"}.`;
  if (err.status === 0) return err.message;
  if (err.status === 503) return "Taskwire is briefly unavailable. Try Undo again shortly.";
  return `Could not undo that: ${err.message}`;
}

function welcome() {
  const div = document.createElement("div");
  div.id = "welcome";
  div.className = "welcome";
  return div;
}

/** A random (version 4) UUID. `crypto.randomUUID` exists only on secure origins; a gateway
 * reached over plain HTTP on a LAN address is not one, and getRandomValues works everywhere. */
function newMessageId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
