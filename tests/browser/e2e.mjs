// End-to-end test of the web chat page in Debian's Chromium, driven by playwright-core.
//
//   node tests/browser/e2e.mjs http://127.0.0.1:8080
//
// A person in New York signs up, asks for a task, watches the reply stream in and the task
// appear in the panel with its due date in their zone, ticks it there, renames it, sees an
// overdue task marked and the panel grouped by due date, changes their time zone, reloads
// (still signed in) and finds the conversation again, undoes a chat turn that deleted a task
// with the reply's Undo button and reads that task's history, adds a daily task tagged
// #health in chat, ticks it off (the next one appears), filters by its tag and searches, then
// signs out (and the old token is refused). Screenshots go to $SCREENSHOT_DIR (default target/browser-screenshots).
// Exits non-zero with a message on the first failed check. Run by tests/browser/main.rs.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const base = process.argv[2];
if (!base) {
  console.error("usage: node e2e.mjs <base_url>");
  process.exit(2);
}
const shots = process.env.SCREENSHOT_DIR || "target/browser-screenshots";
mkdirSync(shots, { recursive: true });
const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const TIMEOUT = 20_000;

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

const browser = await chromium.launch({
  executablePath,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const problems = [];
let step = "start";
let page;
let offline = false; // while the test cuts the network on purpose
try {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 }, timezoneId: "America/New_York", locale: "en-US",
  });
  page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  // Any script error or CSP violation fails the test.
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() !== "error" || /status of 4\d\d/.test(m.text())) return;
    if (offline && /ERR_FAILED|ERR_INTERNET_DISCONNECTED/.test(m.text())) return;
    problems.push(`console error: ${m.text()}`);
  });
  const shot = async (name, p = page) => {
    await p.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
    console.log(`screenshot ${name}.png`);
  };

  step = "open the page";
  const resp = await page.goto(base + "/");
  check(resp && resp.status() === 200, `GET / answered ${resp && resp.status()}`);
  check(/default-src 'self'/.test(resp.headers()["content-security-policy"] || ""), "CSP header on /");
  await page.locator("#auth").waitFor({ state: "visible" });
  await shot("01-sign-in");

  step = "sign up";
  const email = `e2e-${Date.now()}@example.com`;
  await page.click("#auth-switch");
  await page.fill("#auth-email", email);
  await page.fill("#auth-password", "short");
  await page.click("#auth-submit");
  await page.locator("#auth-error").waitFor({ state: "visible" });
  const weak = await page.textContent("#auth-error");
  check(/at least 10 characters/.test(weak), `weak password explained: ${weak}`);
  await shot("02-weak-password");
  await page.fill("#auth-password", "Correct-Horse-42");
  await page.click("#auth-submit");
  await page.locator("#app").waitFor({ state: "visible" });
  check((await page.textContent("#who")) === email, "the page shows who is signed in");
  const stored = await page.evaluate(() => localStorage.getItem("taskwire.session"));
  check(stored && stored.includes('"token"'), "the session is kept in localStorage");
  check(!page.url().includes("token") && !page.url().includes("eyJ"), `no token in the URL: ${page.url()}`);

  step = "chat";
  // Count every piece of text added to the reply bubble while it streams.
  await page.evaluate(() => {
    window.__deltas = 0;
    new MutationObserver((records) => {
      for (const r of records) if (r.type === "characterData" && r.target.parentElement?.closest(".message.assistant.streaming")) window.__deltas += 1;
    }).observe(document.getElementById("messages"), { subtree: true, characterData: true });
  });
  await page.fill("#message", "add a task to buy milk tomorrow");
  await page.press("#message", "Enter");
  const reply = page.locator(".message.assistant").last();
  await reply.locator(".chip", { hasText: /added: buy milk/i }).waitFor();
  await page.locator(".message.assistant.streaming").waitFor({ state: "detached" });
  const replyText = (await reply.locator(".text").textContent()) || "";
  check(/milk/i.test(replyText), `the reply mentions the task: ${replyText}`);
  const deltas = await page.evaluate(() => window.__deltas);
  check(deltas > 1, `the reply streamed in pieces (${deltas} updates)`);
  check((await page.inputValue("#message")) === "", "the composer is cleared after sending");
  check((await reply.locator("button.undo").count()) === 1, "a reply that added a task can be undone");
  const task = page.locator("#task-list li.task", { hasText: /buy milk/i });
  await task.waitFor();
  check(await task.locator(".task-meta").textContent().then((t) => /due/.test(t || "")), "the task shows its due date");
  await page.locator("#conversation-list li", { hasText: /buy milk/i }).waitFor();
  await shot("03-chat-and-task");

  step = "Shift+Enter makes a new line";
  await page.focus("#message");
  await page.keyboard.type("first line");
  await page.keyboard.press("Shift+Enter");
  await page.keyboard.type("second line");
  check((await page.inputValue("#message")) === "first line\nsecond line", "Shift+Enter inserts a newline");
  await page.fill("#message", "");

  step = "a failed send shows a kind error, and retry works";
  offline = true;
  await page.route("**/chat/stream", (route) => route.abort("failed"));
  await page.fill("#message", "what's left?");
  await page.press("#message", "Enter");
  const failure = page.locator(".message.assistant.failed .error-box");
  await failure.waitFor();
  check(/Cannot reach Taskwire/.test(await failure.textContent()), "the error says what happened");
  await shot("04-network-error");
  await page.unroute("**/chat/stream");
  offline = false;
  await failure.locator("button.retry").click();
  await page.locator(".message.assistant .chip", { hasText: /listed 1 task/ }).waitFor();
  await page.locator(".message.assistant.streaming").waitFor({ state: "detached" });
  check((await page.locator(".message.assistant.failed").count()) === 0, "the failed reply is replaced");
  check((await page.locator(".message.user", { hasText: "what's left?" }).count()) === 1, "the message is not shown twice");
  const listed = page.locator(".message.assistant", { has: page.locator(".chip", { hasText: /listed 1 task/ }) });
  check((await listed.locator("button.undo").count()) === 0, "a reply that only listed tasks has no Undo");

  step = "tick the task in the panel";
  await task.locator(".task-tick").check();
  await page.locator("#task-list li.task.completed", { hasText: /buy milk/i }).waitFor();
  const apiTasks = await page.evaluate(async () => {
    const s = JSON.parse(localStorage.getItem("taskwire.session"));
    const r = await fetch(`/api/${s.user_id}/tasks`, { headers: { Authorization: `Bearer ${s.token}` } });
    return r.json();
  });
  check(apiTasks.length === 1 && apiTasks[0].completed === true, `the API has the task completed: ${JSON.stringify(apiTasks)}`);

  step = "rename the task in the panel";
  const done = page.locator("#task-list li.task").first();
  await done.hover();
  await done.locator(".task-edit").click();
  await page.fill(".task-rename", "Buy oat milk");
  await page.press(".task-rename", "Enter");
  await page.locator("#task-list .task-title", { hasText: "Buy oat milk" }).waitFor();
  await shot("05-ticked-and-renamed");

  step = "the time zone";
  check((await page.textContent("#zone")) === "America/New_York", "sign-up sent the browser's zone");
  const milkMeta = await page.locator("#task-list li.task", { hasText: "Buy oat milk" }).locator(".task-meta").textContent();
  const tomorrowInNewYork = new Intl.DateTimeFormat("en-US", { timeZone: "America/New_York", weekday: "short", month: "short", day: "numeric" })
    .format(Date.now() + 86_400_000);
  check(milkMeta.includes(tomorrowInNewYork), `"tomorrow" is New York's tomorrow: ${milkMeta} (${tomorrowInNewYork})`);
  await page.evaluate(async () => {
    const s = JSON.parse(localStorage.getItem("taskwire.session"));
    await fetch(`/api/${s.user_id}/tasks`, {
      method: "POST",
      headers: { Authorization: `Bearer ${s.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ title: "Pay the gas bill", due_date: new Date(Date.now() - 2 * 86_400_000).toISOString() }),
    });
  });
  await page.click("#refresh-tasks");
  const late = page.locator("#task-list li.task.overdue", { hasText: "Pay the gas bill" });
  await late.waitFor();
  check(/overdue since/.test(await late.locator(".task-meta").textContent()), "an overdue task says so");
  await page.selectOption("#task-order", "due");
  await page.locator("#task-list .task-group", { hasText: "Overdue" }).waitFor();
  await page.locator("#task-list .task-group", { hasText: "Done" }).waitFor();
  await shot("06-by-due-date");
  await page.click("#zone");
  await page.fill("#zone-input", "Mars/Olympus");
  await page.click("#zone-save");
  await page.locator("#zone-error").waitFor({ state: "visible" });
  check(/not a time zone/.test(await page.textContent("#zone-error")), "an unknown zone is explained");
  await page.fill("#zone-input", "Asia/Kolkata");
  await page.click("#zone-save");
  await page.locator("#zone-form").waitFor({ state: "hidden" });
  check((await page.textContent("#zone")) === "Asia/Kolkata", "the new zone is shown");
  const inKolkata = await page.locator("#task-list li.task", { hasText: "Buy oat milk" }).locator(".task-meta").textContent();
  check(/3:30/.test(inKolkata), `17:00 in New York is shown as 3:30 in Kolkata: ${inKolkata}`);
  await page.selectOption("#task-order", "created");

  step = "reload and find the conversation again";
  await page.reload();
  await page.locator("#app").waitFor({ state: "visible" });
  const conversation = page.locator("#conversation-list li", { hasText: /buy milk/i });
  await conversation.locator(".conversation-open").click();
  await page.locator(".message.user", { hasText: "add a task to buy milk tomorrow" }).waitFor();
  await page.locator(".message.assistant .chip", { hasText: /added: buy milk/i }).waitFor();
  await page.locator("#task-list li.task.completed", { hasText: "Buy oat milk" }).waitFor();
  check((await page.textContent("#zone")) === "Asia/Kolkata", "the zone stays after a reload");
  await shot("07-after-reload");

  step = "dark mode and a phone";
  await page.emulateMedia({ colorScheme: "dark" });
  await shot("08-dark");
  const phone = await browser.newContext({ viewport: { width: 390, height: 780 }, colorScheme: "light" });
  const small = await phone.newPage();
  small.setDefaultTimeout(TIMEOUT);
  await small.goto(base + "/");
  await small.evaluate((s) => localStorage.setItem("taskwire.session", s), stored);
  await small.reload();
  await small.locator("#app").waitFor({ state: "visible" });
  await small.locator("#conversation-list li", { hasText: /buy milk/i }).first().waitFor({ state: "attached" });
  await small.click("#toggle-conversations");
  await small.locator("#conversations.open").waitFor();
  await small.waitForTimeout(300);
  await shot("09-phone-conversations", small);
  await small.click("#toggle-tasks");
  await small.locator("#tasks.open").waitFor();
  await small.waitForTimeout(300);
  await shot("10-phone-tasks", small);
  await small.click("#toggle-conversations");
  await small.locator("#conversation-list .conversation-open", { hasText: /buy milk/i }).click();
  await small.locator(".message.assistant .chip", { hasText: /added: buy milk/i }).waitFor();
  await small.waitForTimeout(300);
  await shot("11-phone-chat", small);
  await phone.close();
  await page.emulateMedia({ colorScheme: "light" });

  step = "a message that reached the server before its stream dropped is not sent twice";
  offline = true;
  await page.route("**/chat/stream", async (route) => {
    await route.fetch(); // the server gets the message and answers it in full...
    await route.abort("failed"); // ...but the browser never sees the answer
  }, { times: 1 });
  await page.fill("#message", "add call the vet");
  await page.press("#message", "Enter");
  const dropped = page.locator(".message.assistant.failed .error-box");
  await dropped.waitFor();
  offline = false;
  await dropped.locator("button.retry").click();
  await page.locator(".message.assistant .chip", { hasText: /added: call the vet/i }).waitFor();
  const vets = await page.evaluate(async () => {
    const s = JSON.parse(localStorage.getItem("taskwire.session"));
    const r = await fetch(`/api/${s.user_id}/tasks?q=vet`, { headers: { Authorization: `Bearer ${s.token}` } });
    return (await r.json()).length;
  });
  check(vets === 1, `"Try again" did not add the task twice (found ${vets})`);

  step = "undo a turn with the reply's Undo button";
  await page.click("#new-conversation");
  await page.fill("#message", "add pay the rent");
  await page.press("#message", "Enter");
  await page.locator(".message.assistant .chip", { hasText: /added: pay the rent/i }).waitFor();
  await page.locator(".message.assistant.streaming").waitFor({ state: "detached" });
  const rent = page.locator("#task-list li.task", { hasText: /pay the rent/i });
  await rent.waitFor();
  const rentId = await rent.getAttribute("data-task-id");
  check(/^\d+$/.test(rentId || ""), `the task has an id: ${rentId}`);
  await page.fill("#message", `delete task ${rentId}`);
  await page.press("#message", "Enter");
  const deletion = page.locator(".message.assistant", { has: page.locator(".chip", { hasText: /deleted: pay the rent/i }) });
  await deletion.waitFor();
  await page.locator(".message.assistant.streaming").waitFor({ state: "detached" });
  await rent.waitFor({ state: "detached" });
  const undo = deletion.locator("button.undo");
  const undoStatus = deletion.locator(".undo-status");
  // A refused undo is explained and can be tried again.
  await page.route("**/undo", (route) => route.fulfill({
    status: 409, contentType: "application/json",
    body: JSON.stringify({ error: { code: "conflict", message: "the turn is still running" } }),
  }), { times: 1 });
  await undo.click();
  await undoStatus.filter({ hasText: /still running/ }).waitFor();
  check(await undo.isEnabled(), "Undo can be tried again after it failed");
  check((await page.locator("#task-list li.task", { hasText: /pay the rent/i }).count()) === 0, "a refused undo changes nothing");
  await undo.click();
  await undoStatus.filter({ hasText: /Restored/ }).waitFor();
  const restored = (await undoStatus.textContent()) || "";
  check(new RegExp(`^Restored “pay the rent” \\(#${rentId}\\)\\.$`, "i").test(restored), `the status says the task is restored: ${restored}`);
  check(await undo.isDisabled(), "Undo is disabled once it has run");
  await rent.waitFor();
  check((await rent.getAttribute("data-task-id")) === rentId, "the task is back in the panel with its id");
  await shot("12-undo");

  step = "a task's history";
  const historyToggle = rent.locator("button.task-history-toggle");
  check((await historyToggle.getAttribute("aria-expanded")) === "false", "History starts closed");
  await historyToggle.click();
  await rent.locator('button.task-history-toggle[aria-expanded="true"]').waitFor();
  const changes = page.locator(`#task-history-${rentId} li.change`);
  await changes.nth(2).waitFor();
  await shot("13-history");
  const shown = await changes.evaluateAll((items) => items.map((li) => {
    const text = (selector) => (li.querySelector(selector)?.textContent || "").replace(/\s+/g, " ");
    return {
      action: text(".change-action"), tags: [...li.querySelectorAll(".change-tag")].map((t) => t.textContent).join(),
      fields: text(".change-fields"), by: text(".change-by"), undone: li.classList.contains("undone"),
      at: li.querySelector("time")?.dateTime,
    };
  }));
  const listedChanges = JSON.stringify(shown);
  check(shown.length === 3, `three changes: ${listedChanges}`);
  const [created, deleted, back] = shown;
  check(created.action === "Created" && created.tags === "" && /^title: “pay the rent”$/i.test(created.fields)
    && /· the assistant, in chat$/.test(created.by) && !created.undone, `first, created in chat: ${listedChanges}`);
  check(deleted.action === "Deleted" && deleted.tags === "undone" && /· the assistant, in chat$/.test(deleted.by)
    && deleted.undone, `then deleted in chat, marked undone: ${listedChanges}`);
  check(back.action === "Created" && back.tags === "undo" && /· you, with Undo$/.test(back.by) && !back.undone,
    `then created again by the Undo button: ${listedChanges}`);
  const apiHistory = await page.evaluate(async (id) => {
    const s = JSON.parse(localStorage.getItem("taskwire.session"));
    const r = await fetch(`/api/${s.user_id}/tasks/${id}/history`, { headers: { Authorization: `Bearer ${s.token}` } });
    return r.json();
  }, rentId);
  check(apiHistory.map((c) => c.source).join() === "chat,chat,rest", `the API agrees on the sources: ${JSON.stringify(apiHistory)}`);
  const kolkata = new Intl.DateTimeFormat("en-US", { timeZone: "Asia/Kolkata", hour: "numeric", minute: "2-digit" });
  shown.forEach((c, i) => {
    const clock = kolkata.format(new Date(apiHistory[i].at)).replace(/\s+/g, " ");
    check(c.at === apiHistory[i].at && c.by.includes(clock), `change ${i + 1} is shown at ${clock}, Kolkata time: ${c.by}`);
  });
  await rent.locator("button.task-history-toggle").click();
  await rent.locator('button.task-history-toggle[aria-expanded="false"]').waitFor();
  check(await page.locator(`#task-history-${rentId}`).isHidden(), "History closes again");

  step = "undoing the same turn again does nothing";
  await page.locator("#conversation-list .conversation-open", { hasText: /pay the rent/i }).click();
  const storedDeletion = page.locator(".message.assistant", { has: page.locator(".chip", { hasText: /deleted: pay the rent/i }) });
  await storedDeletion.locator("button.undo:enabled").click();
  await storedDeletion.locator(".undo-status", { hasText: "Nothing left to undo." }).waitFor();
  const rents = await page.evaluate(async () => {
    const s = JSON.parse(localStorage.getItem("taskwire.session"));
    const r = await fetch(`/api/${s.user_id}/tasks?q=rent`, { headers: { Authorization: `Bearer ${s.token}` } });
    return (await r.json()).length;
  });
  check(rents === 1, `undoing again left the restored task alone (found ${rents})`);

  step = "a repeating, tagged task";
  await page.fill("#message", "remind me to take the pills every day at 8am #health");
  await page.press("#message", "Enter");
  await page.locator(".message.assistant .chip", { hasText: /added: take the pills/i }).waitFor();
  await page.locator(".message.assistant.streaming").waitFor({ state: "detached" });
  const pills = page.locator("#task-list li.task:not(.completed)", { hasText: /take the pills/i });
  await pills.waitFor();
  const pillsMeta = (await pills.locator(".task-meta").textContent()) || "";
  check(/↻ every day/.test(pillsMeta) && /8:00/.test(pillsMeta), `the task says it repeats, at 8:00: ${pillsMeta}`);
  check((await pills.locator(".task-tag").textContent()) === "#health", "the task shows its tag");
  await shot("15-repeating-task");
  const firstDue = await pills.getAttribute("data-task-id");
  await pills.locator(".task-tick").check();
  const next = page.locator("#task-list li.task:not(.completed)", { hasText: /take the pills/i });
  await page.waitForFunction((id) => [...document.querySelectorAll("#task-list li.task:not(.completed)")]
    .some((li) => /take the pills/i.test(li.textContent) && li.dataset.taskId !== id), firstDue);
  check((await next.count()) === 1, "ticking it off adds exactly one next occurrence");
  check(/↻ every day/.test((await next.locator(".task-meta").textContent()) || ""), "the next one repeats too");

  step = "filter by tag and search";
  await next.locator(".task-tag", { hasText: "#health" }).click();
  await page.locator("#task-filter", { hasText: "tagged #health" }).waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll("#task-list li.task")]
    .every((li) => /take the pills/i.test(li.textContent)));
  check((await page.locator("#task-list li.task").count()) === 2, "the tag shows both occurrences and nothing else");
  await shot("16-tag-filter");
  await page.locator("#task-filter-clear").click();
  await page.fill("#task-search", "milk");
  await page.locator("#task-filter", { hasText: "matching “milk”" }).waitFor();
  await page.waitForFunction(() => {
    const items = [...document.querySelectorAll("#task-list li.task")];
    return items.length > 0 && items.every((li) => /milk/i.test(li.textContent));
  });
  await page.locator("#task-filter-clear").click();
  await page.waitForFunction(() => document.querySelector("#task-filter").hidden);
  step = "a reminder shows a toast";
  await page.locator('body[data-notifications="ready"]').waitFor({ state: "attached" });
  const reminded = await page.evaluate(async () => {
    const s = JSON.parse(localStorage.getItem("taskwire.session"));
    const due = new Date(Date.now() + 2000).toISOString();
    const r = await fetch(`/api/${s.user_id}/tasks`, {
      method: "POST",
      headers: { Authorization: `Bearer ${s.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ title: "Call the pharmacy", due_date: due }),
    });
    return r.status;
  });
  check(reminded === 201, `a task due in two seconds was added (${reminded})`);
  const toast = page.locator(".toast", { hasText: "Call the pharmacy" });
  await toast.waitFor({ state: "visible" });
  check(/due/.test((await toast.textContent()) || ""), "the toast says when it is due");
  await shot("13b-reminder-toast");

  step = "sign out";
  const ended = await page.evaluate(() => JSON.parse(localStorage.getItem("taskwire.session")));
  const signedOut = page.waitForResponse((r) => r.url().endsWith("/api/auth/sign-out"));
  await page.click("#sign-out");
  await page.locator("#auth").waitFor({ state: "visible" });
  check((await page.evaluate(() => localStorage.getItem("taskwire.session"))) === null, "sign-out clears the token");
  check((await signedOut).status() === 204, "sign-out ends the session on the server");
  const reused = await page.evaluate(async (s) => (await fetch(`/api/${s.user_id}/tasks`,
    { headers: { Authorization: `Bearer ${s.token}` } })).status, ended);
  check(reused === 401, `the signed-out token is refused (got ${reused})`);
  await page.reload();
  await page.locator("#auth").waitFor({ state: "visible" });
  await shot("14-signed-out");

  check(problems.length === 0, `no script errors or CSP violations:\n  ${problems.join("\n  ")}`);
  console.log("e2e: all checks passed");
} catch (err) {
  console.error(`e2e failed at step "${step}": ${err && err.message ? err.message : err}`);
  if (problems.length) console.error(`page problems:\n  ${problems.join("\n  ")}`);
  if (page) await page.screenshot({ path: join(shots, "failure.png") }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
}
