// The inbox page: sign-in from the link, the views (my queue, all queues, roster, reports), polling while the
// tab is visible, and the keyboard shortcuts. Everything the page shows comes from /api/.

import { RosterEditor } from "./admin.js";
import { api, beginPollRound, changedAnswerCount, claims, endPollRound, forgetToken, fullAnswerCount, takeTokenFromUrl, token, whenSignedOut } from "./api.js";
import { setChannels } from "./channels.js";
import { h, icon, replace } from "./dom.js";
import { explain, say } from "./feedback.js";
import { fullTime } from "./format.js";
import { POLL_FAST_SECONDS, nextPollSeconds, tick } from "./live.js";
import { Bell } from "./bell.js";
import { QueuePane } from "./queue.js";
import { ReportsPage } from "./reports.js";
import { SearchPane, searchBox } from "./search.js";
import { ThreadView } from "./thread.js";

const state = { me: null, route: { view: "queue", list: "queue", thread: null }, polling: null, pollSeconds: POLL_FAST_SECONDS, busy: false, offline: false };

const el = (id) => document.getElementById(id);

function parseRoute() {
  const parts = window.location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (first === "roster") return { view: "roster", list: null, thread: null };
  if (first === "reports") return { view: "reports", list: null, thread: null };
  if (first === "all") return { view: "queue", list: "all", thread: second || null };
  if (first === "search") return { view: "search", list: "search", words: second || "", thread: parts[2] || null };
  return { view: "queue", list: "queue", thread: first === "queue" ? second || null : null };
}

function href(list, id) {
  if (list === "search") return `#/search/${encodeURIComponent(state.route.words || "")}${id ? `/${encodeURIComponent(id)}` : ""}`;
  return id ? `#/${list}/${encodeURIComponent(id)}` : `#/${list}`;
}

// --- signed out ----------------------------------------------------------------------------------

const SIGNED_OUT = {
  missing_token: ["Sign in with your link", "Open the sign-in link your admin sent you. It looks like …/inbox/#token=…"],
  expired_token: ["Your sign-in link has expired", "Links last a working day or so. Ask your admin for a new link."],
  invalid_token: ["This sign-in link does not work", "It may be incomplete, or the inbox's key was changed since it was made. Ask your admin for a new link."],
  not_on_roster: ["You are not on the roster yet", "Ask an admin to add you to the roster, then open your link again."],
  deactivated: ["Your account is deactivated", "An admin turned your access off. Ask them to reactivate you on the roster."],
  revoked_token: ["You were signed out", "Your sessions were ended (by you on another device, or by an admin). Ask your admin for a new link."],
  unreachable: ["The inbox cannot be reached", "Check your connection, then reload this page. Your sign-in stays valid until it expires."],
  signed_out: ["You signed out", "Open your sign-in link again to come back, or ask your admin for a new one."],
};

function signedOut({ code, message } = {}) {
  stopPolling();
  const [title, text] = SIGNED_OUT[code] || SIGNED_OUT.invalid_token;
  document.title = "Sign in · siu inbox";
  el("app").hidden = true;
  const page = el("gate");
  replace(page,
    h("div", { class: "gate-card" },
      icon("lock"),
      h("h1", { id: "gate-title", tabindex: "-1" }, title),
      h("p", {}, text),
      code && !["signed_out", "missing_token"].includes(code) && message ? h("p", { class: "muted small" }, `The inbox said: ${message}`) : null,
      h("p", { class: "muted small" }, "Admins issue links with ", h("code", {}, "siu token issue --user ID"), ".")));
  page.hidden = false;
  el("gate-title").focus();
}

// --- layout and views ------------------------------------------------------------------------------

let queue;
let thread;
let roster;
let reports;
let bell;
let search;

function buildShell(me) {
  el("gate").hidden = true;
  el("app").hidden = false;
  replace(el("who"), h("span", { class: "who-name" }, me.name || me.id), h("span", { class: "muted" }, ` · ${me.role}${me.status ? ` · ${me.status}` : ""}`));
  const nav = el("views");
  const links = [["#/queue", "My queue", "queue"]];
  if (me.role === "admin") links.push(["#/all", "All queues", "all"], ["#/roster", "Roster", "roster"]);
  links.push(["#/reports", "Reports", "reports"]);
  replace(nav, h("ul", {}, links.map(([target, label, key]) => h("li", {}, h("a", { href: target, "data-view": key }, label)))));
  queue = new QueuePane(el("list"), {
    href: (id) => href(state.route.list || "queue", id),
    claimed: (id) => { window.location.hash = href(state.route.list || "queue", id); refreshAll(); },
    unread: (id) => (bell ? bell.unreadFor(id) : 0),
  });
  thread = new ThreadView(el("detail"), {
    href: (id) => href(state.route.list || "queue", id),
    changed: () => (state.route.view === "queue" ? queue.refresh().catch(() => {}) : null),
    closed: (id) => moveAfterClose(id),
  });
  roster = new RosterEditor(el("wide"));
  reports = new ReportsPage(el("reports"));
  bell = new Bell(el("bell"), {
    href: (id) => href(state.route.list || "queue", id),
    changed: () => {
      const n = bell.unread();
      document.title = `${n ? `(${n}) ` : ""}siu inbox`;
      queue.redrawDots();
    },
  });
  bell.refresh().catch(reportPollError);
  searchBox(el("search"));
  search = new SearchPane(el("list"), { href: (words, id) => `#/search/${encodeURIComponent(words)}/${encodeURIComponent(id)}` });
}

async function show() {
  const route = parseRoute();
  if ((route.list === "all" || route.view === "roster") && state.me.role !== "admin") {
    window.location.hash = "#/queue";
    return;
  }
  const listChanged = route.list !== state.route.list;
  state.route = route;
  for (const a of el("views").querySelectorAll("a")) {
    const current = a.dataset.view === (route.view === "queue" ? route.list : route.view);
    if (current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const wide = route.view === "roster" || route.view === "reports";
  el("wide").hidden = route.view !== "roster";
  el("reports").hidden = route.view !== "reports";
  el("list").hidden = wide;
  el("detail").hidden = wide;
  el("main").classList.toggle("is-wide", wide);
  if (route.view !== "reports") reports.destroy();
  if (route.view !== "search") search.leave();
  if (route.view === "roster") {
    await roster.show(state.me);
    return;
  }
  if (route.view === "reports") {
    await reports.show(state.me);
    return;
  }
  if (route.view === "search") {
    // The search pane shares the list pane with the queue: a new mode makes the queue redraw when shown again.
    queue.setMode("search", state.me);
    el("search-q").value = route.words;
    await search.show(route.words, state.me);
    if (route !== state.route) return;  // a newer navigation came while the results loaded: it decides
    if (route.thread) await thread.open(route.thread, state.me).catch(reportPollError);
    else thread.clear();
    return;
  }
  queue.setMode(route.list === "all" ? "all" : "mine", state.me);
  if (listChanged) await queue.refresh().catch(reportPollError);
  if (route !== state.route) return;
  queue.select(route.thread);
  if (route.thread) {
    await thread.open(route.thread, state.me).catch(reportPollError);
    bell.readThread(route.thread);
  } else {
    thread.clear();
  }
}

function moveAfterClose(id) {
  const ids = queue.ids();
  const at = ids.indexOf(id);
  const next = ids[at + 1] || ids[at - 1];
  window.location.hash = href(state.route.list || "queue", next && next !== id ? next : null);
}

/** With nothing assigned, open the busiest queue the teammate may see (GET /api/queues chooses it). */
async function land() {
  let target = null;
  try {
    target = (await api.queues()).landing;
  } catch (err) {
    reportPollError(err);
  }
  // The teammate went somewhere while the counts were read (a link, a search): that is where they stay.
  if (!["", "#", "#/queue"].includes(window.location.hash)) return;
  if (target && target.view === "all" && state.me.role === "admin") {
    if (target.assignee) queue.showTeammate(target.assignee);
    history.replaceState(null, "", "#/all");
    queue.focusOn(target);
  } else {
    history.replaceState(null, "", "#/queue");
    if (target && target.queue === "team") queue.focusOn(target);
  }
}

// --- polling -------------------------------------------------------------------------------------------

async function refreshAll() {
  if (state.busy || !state.me || state.route.view !== "queue") return;
  state.busy = true;
  try {
    const before = fullAnswerCount();
    beginPollRound();  // the queue's first section first: its 304 spares the other reads (api.js)
    try {
      await queue.refresh();
      if (thread.id && token()) await thread.refresh();
    } finally {
      endPollRound();
    }
    // A notification moves the inbox's change counter: when every conditional read was answered 304,
    // none can be new, so the bell's read is skipped.
    if (fullAnswerCount() !== before) await bell.refresh();
    if (thread.id && document.hasFocus()) await bell.readThread(thread.id);
    setOffline(false);
  } catch (err) {
    reportPollError(err);
  } finally {
    state.busy = false;
    tick();
  }
}

function reportPollError(err) {
  if (err && err.status === 0) setOffline(true);
  else if (err && err.status !== 401) say(explain(err));
}

function setOffline(offline) {
  if (offline === state.offline) return;
  state.offline = offline;
  const banner = el("offline");
  banner.hidden = !offline;
  if (offline) replace(banner, icon("alert"), " The inbox cannot be reached. Retrying every few seconds; nothing you typed is lost.");
}

// Polls while the tab is visible (none while hidden), every POLL_FAST_SECONDS after a change or the
// teammate's click or key, slowing down to POLL_IDLE_SECONDS while nothing changes (live.js).
function startPolling() {
  stopPolling();
  state.pollSeconds = POLL_FAST_SECONDS;
  schedulePoll();
}

function schedulePoll() {
  clearTimeout(state.polling);
  state.polling = setTimeout(pollOnce, state.pollSeconds * 1000);
}

async function pollOnce() {
  const timer = state.polling;
  const before = changedAnswerCount();
  if (document.visibilityState === "visible") await refreshAll();
  if (state.polling !== timer) return;  // stopped, restarted or quickened meanwhile: that timer stands
  state.pollSeconds = nextPollSeconds(state.pollSeconds, changedAnswerCount() !== before);
  schedulePoll();
}

function stopPolling() {
  clearTimeout(state.polling);
  state.polling = null;
}

/** The teammate is here: show changes at the fast pace again, cutting a long wait short. */
function quicken() {
  if (!state.polling || state.pollSeconds === POLL_FAST_SECONDS) return;
  state.pollSeconds = POLL_FAST_SECONDS;
  schedulePoll();
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && state.polling) {
    state.pollSeconds = POLL_FAST_SECONDS;
    refreshAll();
    schedulePoll();
  }
});
window.addEventListener("focus", () => {
  if (state.polling && state.pollSeconds !== POLL_FAST_SECONDS) {
    refreshAll();
    quicken();
  }
});
document.addEventListener("pointerdown", quicken, { passive: true });
document.addEventListener("keydown", quicken);

// --- keyboard ---------------------------------------------------------------------------------------

function typing(target) {
  if (!target || !(target instanceof Element)) return false;
  return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
}

function step(delta) {
  const ids = queue.ids();
  if (!ids.length) {
    say("The list is empty.");
    return;
  }
  const at = ids.indexOf(state.route.thread);
  const next = at === -1 ? (delta > 0 ? 0 : ids.length - 1) : Math.min(ids.length - 1, Math.max(0, at + delta));
  window.location.hash = href(state.route.list || "queue", ids[next]);
  const link = el("list").querySelector(`[data-id="${CSS.escape(ids[next])}"] .row-link`);
  if (link) link.focus();
}

document.addEventListener("keydown", (event) => {
  if (!state.me || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  if (document.querySelector("dialog[open]")) return;
  const inQueue = state.route.view === "queue";
  switch (event.key) {
    case "j":
      if (inQueue) step(1);
      break;
    case "k":
      if (inQueue) step(-1);
      break;
    case "r":
      if (inQueue && thread.id) {
        if (!thread.focusReply()) return;
      } else return;
      break;
    case "e":
    case "c":
      if (inQueue && thread.id) thread.close();
      else return;
      break;
    case "?":
      el("help").showModal();
      break;
    case "/":
      el("search-q").focus();
      break;
    default:
      return;
  }
  event.preventDefault();
});

// --- boot ------------------------------------------------------------------------------------------------

async function boot() {
  whenSignedOut(signedOut);
  takeTokenFromUrl();
  window.addEventListener("hashchange", () => {
    // A new login link pasted into this tab: take its token and start over with it.
    if (takeTokenFromUrl()) window.location.reload();
  });
  el("signout").addEventListener("click", async () => {
    // Ends this person's sessions on the server too (every device), so a copied link stops working.
    try {
      await api.signOutEverywhere("me");
    } catch {
      // Already signed out or unreachable: forgetting the token here is all that is left to do.
    }
    forgetToken();
    signedOut({ code: "signed_out" });
  });
  el("help-open").addEventListener("click", () => el("help").showModal());
  el("skip").addEventListener("click", (event) => {
    event.preventDefault();
    el("detail").focus();
  });
  if (!token()) {
    signedOut({ code: "missing_token" });
    return;
  }
  const claim = claims();
  const expires = claim && typeof claim.exp === "number" ? new Date(claim.exp * 1000) : null;
  if (expires && expires.getTime() <= Date.now()) {
    forgetToken();
    signedOut({ code: "expired_token", message: `the token expired ${fullTime(expires.toISOString())}` });
    return;
  }
  try {
    state.me = await api.me();
  } catch (err) {
    if (err.status === 401) return; // the sign-out page is showing
    if (err.code === "not_on_roster" || err.code === "deactivated") {
      signedOut({ code: err.code, message: err.message });
      return;
    }
    signedOut({ code: "unreachable", message: explain(err) });
    return;
  }
  setChannels(state.me.channels);
  buildShell(state.me);
  if (!window.location.hash || window.location.hash === "#" || window.location.hash === "#/queue") await land();
  state.route = { view: null, list: null, thread: null };
  window.addEventListener("hashchange", () => show().catch(reportPollError));
  await show();
  startPolling();
  if (expires) {
    const left = expires.getTime() - Date.now();
    if (left < 2 ** 31) setTimeout(() => signedOut({ code: "expired_token" }), Math.max(0, left));
  }
}

boot();
