// Talking to the gateway: the session in localStorage, JSON requests with the bearer token,
// and a Server-Sent Events reader over fetch() (EventSource cannot send Authorization).
// The token only ever travels in the Authorization header, never in a URL.

const SESSION_KEY = "taskwire.session";

/** The stored session `{user_id, token, email, time_zone}`, or null. */
export function loadSession() {
  try {
    const s = JSON.parse(localStorage.getItem(SESSION_KEY) || "null");
    return s && typeof s.token === "string" && typeof s.user_id === "string" ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(session) {
  localStorage.setItem(SESSION_KEY, JSON.stringify({
    user_id: session.user_id, token: session.token, email: session.email,
    time_zone: session.time_zone,
  }));
}

/** The browser's IANA time zone ("Europe/Berlin"), or undefined if it cannot tell. */
export function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch {
    return undefined;
  }
}

/** The zones the browser knows, for choosing one. */
export function knownZones() {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [];
  }
}

export function clearSession() {
  localStorage.removeItem(SESSION_KEY);
}

/** An API failure: `status` (0 when the network failed), `code` and a sentence for people. */
export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** Turns a non-2xx response into an ApiError, reading the `{error: {code, message}}` body. */
export async function errorFrom(resp) {
  let code = "error";
  let message = `The server answered ${resp.status}.`;
  try {
    const body = await resp.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
    }
  } catch {
    // Not JSON (a proxy's page, say): keep the generic sentence.
  }
  const retryAfter = Number(resp.headers.get("retry-after")) || undefined;
  return new ApiError(resp.status, code, message, retryAfter);
}

function networkError() {
  return new ApiError(0, "network", "Cannot reach Taskwire. Check your connection and try again.");
}

/** `fetch` with the session's token; resolves to the Response, throws ApiError when not ok. */
export async function request(session, method, path, { body, headers = {}, signal } = {}) {
  const init = { method, headers: { ...headers }, signal, cache: "no-store" };
  if (session) init.headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (e) {
    if (e && e.name === "AbortError") throw e;
    throw networkError();
  }
  if (!resp.ok) throw await errorFrom(resp);
  return resp;
}

/** A JSON request; resolves to the parsed body (null for 204). */
export async function json(session, method, path, body) {
  const resp = await request(session, method, path, { body });
  return resp.status === 204 ? null : resp.json();
}

/** `/api/{user}` + rest, with the user id escaped. */
export function userPath(session, rest) {
  return `/api/${encodeURIComponent(session.user_id)}${rest}`;
}

/**
 * Reads a `text/event-stream` response, yielding `{id, event, data}` for every event as soon as
 * its blank line arrives. `data` is parsed as JSON when it is JSON.
 */
export async function* readEvents(resp) {
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch {
        return; // the connection dropped; the caller notices there was no final event
      }
      if (chunk.done) break;
      buffer += chunk.value;
      // Normalise line ends, keeping a trailing "\r" until we know whether "\n" follows.
      const keep = buffer.endsWith("\r") ? "\r" : "";
      buffer = buffer.slice(0, buffer.length - keep.length).replace(/\r\n?/g, "\n") + keep;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parseBlock(block);
        if (event) yield event;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function parseBlock(block) {
  let event = "message";
  let id = null;
  const data = [];
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue; // comments are keep-alives
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  }
  if (data.length === 0) return null;
  const text = data.join("\n");
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain text data stays a string
  }
  return { id, event, data: parsed };
}
