// The inbox API, and the session token it needs. The UI talks to nothing else.
//
// The login link carries the token in the URL fragment (#token=…), which browsers never send to a
// server: the page moves it to sessionStorage (gone when the tab closes) and strips it from the
// address bar and history at once.

const TOKEN_KEY = "siu.inbox.token";
const REQUEST_TIMEOUT_MS = 30_000;
const SAFE_IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
// Polled reads are conditional: the last answer of each path is kept with its ETag, sent back as
// If-None-Match, and a 304 (nothing changed: the API read one small counter) returns that same answer,
// so an idle inbox costs the API one small read a poll and the page redraws nothing.
const lastAnswers = new Map();
const MAX_REMEMBERED = 50;
// How many polled reads brought something new (polling speeds up after one: see live.js), and how many
// were answered in full rather than 304 (the inbox's change counter moved, or five minutes passed).
let changedAnswers = 0;
let fullAnswers = 0;

/** How many conditional reads so far answered something different from what the page had. */
export function changedAnswerCount() {
  return changedAnswers;
}

/** How many conditional reads so far were answered in full (not 304): something in the inbox was written. */
export function fullAnswerCount() {
  return fullAnswers;
}

/** A refusal or failure the API (or the network) reported, with the API's code and message. */
export class ApiError extends Error {
  constructor(status, code, message, details = {}, retryAfter = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

let onSignedOut = () => {};

/** Register what happens when the API refuses the token (expired, rotated key, malformed). */
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

/** Take a token from a #token=… login link into sessionStorage and clean the address bar. */
export function takeTokenFromUrl() {
  const hash = window.location.hash;
  if (!hash.startsWith("#token=")) return false;
  const token = new URLSearchParams(hash.slice(1)).get("token");
  history.replaceState(null, "", `${window.location.pathname}${window.location.search}#/queue`);
  if (token) sessionStorage.setItem(TOKEN_KEY, token.trim());
  return Boolean(token);
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  lastAnswers.clear();
}

/** The token's claims, read without verifying (the API verifies): who and until when; rights come from /api/me. */
export function claims() {
  const value = token();
  if (!value) return null;
  try {
    const part = value.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(part + "=".repeat((4 - (part.length % 4)) % 4));
    const data = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
    return typeof data === "object" && data ? data : null;
  } catch {
    return null;
  }
}

/** A fresh key for one composed reply: the API sends a key at most once, however often it is retried. */
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function headersFor(extra) {
  return { Accept: "application/json", Authorization: `Bearer ${token() || ""}`, ...extra };
}

// A poll round: the reads of one poll, the first on its own. A 304 proves the inbox's change counter still
// holds the version its ETag names (W/"<version>-<digest>", siu_core/inbox/freshness.py) and that the
// five-minute bucket is current; an answer kept from the same version and asked for no earlier is then
// current too, so it is reused without asking (one request a poll while nothing changes, not one per
// queue section and thread).
let round = null;
let answerSeq = 0;

/** Start a poll round: later reads of the round may be proven unchanged by an earlier 304. */
export function beginPollRound() {
  round = { proof: null };
}

/** End the poll round: reads outside one always ask the API. */
export function endPollRound() {
  round = null;
}

function etagVersion(etag) {
  const found = /^(?:W\/)?"(\d+)-/.exec(etag || "");
  return found ? found[1] : null;
}

async function conditionalGet(path, fresh = false) {
  const kept = lastAnswers.get(path);
  const proof = round && round.proof;
  if (!fresh && kept && proof && etagVersion(kept.etag) === proof.version && kept.seq >= proof.seq) return kept.data;
  const data = await send("GET", path, { headers: kept ? { "If-None-Match": kept.etag } : {}, conditional: path });
  const now = lastAnswers.get(path);
  if (round && kept && now === kept && etagVersion(kept.etag)) round.proof = { version: etagVersion(kept.etag), seq: kept.seq };
  return data;
}

async function send(method, path, { body, headers = {}, raw = false, conditional = null } = {}) {
  if (!token()) {
    onSignedOut({ code: "missing_token", message: "no sign-in link was opened in this tab" });
    throw new ApiError(401, "missing_token", "Not signed in.");
  }
  answerSeq += 1;
  const sent = answerSeq;  // the order requests left in (a kept answer is as fresh as its request)
  // A request that hangs must not stall polling for minutes; a timed-out reply is retried with its key.
  const init = { method, headers: headersFor(headers), cache: "no-store", credentials: "omit", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", "The inbox could not be reached: check your connection and try again.");
  }
  if (raw && response.ok) return response;
  if (conditional && response.status === 304 && lastAnswers.has(conditional)) return lastAnswers.get(conditional).data;
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (response.ok) {
    const etag = response.headers.get("ETag");
    if (conditional && etag) {
      const kept = lastAnswers.get(conditional);
      fullAnswers += 1;
      // A full read the API makes every few minutes answers the same data: not a change.
      if (!kept || JSON.stringify(kept.data) !== JSON.stringify(data)) changedAnswers += 1;
      lastAnswers.delete(conditional);
      lastAnswers.set(conditional, { etag, data, seq: sent });
      if (lastAnswers.size > MAX_REMEMBERED) lastAnswers.delete(lastAnswers.keys().next().value);
    }
    return data;
  }
  const error = (data && data.error) || {};
  const code = error.code || `http_${response.status}`;
  const message = error.message || `The inbox answered ${response.status} ${response.statusText}`.trim();
  // Signed out, or deactivated on the roster while working: either way this tab can do nothing more.
  if (response.status === 401 || code === "deactivated") {
    forgetToken();
    onSignedOut({ code, message });
  }
  throw new ApiError(response.status, code, message, error, response.headers.get("Retry-After"));
}

const enc = encodeURIComponent;

export const api = {
  me: () => send("GET", "/api/me"),
  queue: (params = {}) => {
    const query = new URLSearchParams(params).toString();
    return conditionalGet(`/api/queue${query ? `?${query}` : ""}`);
  },
  /** ``fresh``: ask even when the poll round proved the kept answer current (presence is not in that proof). */
  thread: (id, fresh = false) => conditionalGet(`/api/threads/${enc(id)}`, fresh),
  olderMessages: (id, before) => send("GET", `/api/threads/${enc(id)}?before=${enc(before)}`),
  snooze: (id, until) => send("POST", `/api/threads/${enc(id)}/snooze`, { body: { until } }),
  unsnooze: (id) => send("DELETE", `/api/threads/${enc(id)}/snooze`),
  snoozed: () => conditionalGet("/api/snoozed"),
  presence: (id, state) => send("POST", `/api/threads/${enc(id)}/presence`, { body: { state } }),
  reply: (id, body, key) => send("POST", `/api/threads/${enc(id)}/reply`, { body, headers: { "Idempotency-Key": key } }),
  reassign: (id, to) => send("POST", `/api/threads/${enc(id)}/reassign`, { body: { to } }),
  close: (id) => send("POST", `/api/threads/${enc(id)}/close`, { body: {} }),
  claim: (id) => send("POST", `/api/threads/${enc(id)}/claim`, { body: {} }),
  labels: (id, body) => send("POST", `/api/threads/${enc(id)}/labels`, { body }),
  relabel: (id) => send("POST", `/api/threads/${enc(id)}/relabel`, { body: {} }),
  eligible: (id) => send("GET", `/api/threads/${enc(id)}/eligible`),
  roster: () => send("GET", "/api/roster"),
  putTeammate: (id, body) => send("PUT", `/api/roster/${enc(id)}`, { body }),
  /** Ends every session of a teammate (an admin), or of the caller with "me": their links stop working. */
  signOutEverywhere: (id) => send("POST", id === "me" ? "/api/me/sign-out" : `/api/roster/${enc(id)}/sign-out`),
  /** The saved replies the caller may use; with a thread, each filled for it (or its ``problem``). */
  savedReplies: (threadId) => send("GET", `/api/saved-replies${threadId ? `?thread=${enc(threadId)}` : ""}`),
  saveReply: (body) => send("POST", "/api/saved-replies", { body }),
  deleteSavedReply: (id, version) => send("DELETE", `/api/saved-replies/${enc(id)}?version=${enc(version)}`),
  /** An internal note (never sent to the customer); the key makes a retry find the same note. */
  addNote: (id, text, key) => send("POST", `/api/threads/${enc(id)}/notes`, { body: { text }, headers: { "Idempotency-Key": key } }),
  /** A presigned POST for a file the thread's channel takes (checked by the API before any byte moves). */
  upload: (body) => send("POST", "/api/uploads", { body }),
  /** The caller's notifications, newest first, with unread counts (conditional: a 304 while nothing changed). */
  notifications: () => conditionalGet("/api/notifications"),
  /** Mark read: ``{ids}``, ``{thread_id}`` or ``{until}`` (everything up to a time). */
  markRead: (body) => send("POST", "/api/notifications/read", { body }),
  preferences: () => send("GET", "/api/me/preferences"),
  savePreferences: (body) => send("PUT", "/api/me/preferences", { body }),
  /** Open threads per queue the caller may see, and where to land (conditional). */
  queues: () => conditionalGet("/api/queues"),
  /** Customers, threads and messages the caller may see (``params``: q, status, topic, since, until, offset...). */
  search: (params = {}) => send("GET", `/api/search?${new URLSearchParams(params)}`),
  /** The templates a teammate may send on a channel, each with its cost line (``cost``) and body when known. */
  templateListing: (channel, account) => send("GET", `/api/templates?channel=${enc(channel)}${account ? `&account=${enc(account)}` : ""}`),
  audit: (threadId) => send("GET", `/api/audit?thread=${enc(threadId)}`),
  /** The customer (person) behind a thread, their record, edits, merge suggestions, merge and unmerge. */
  threadCustomer: (threadId) => send("GET", `/api/threads/${enc(threadId)}/customer`),
  customer: (id) => send("GET", `/api/customers/${enc(id)}`),
  editCustomer: (id, body) => send("PUT", `/api/customers/${enc(id)}`, { body }),
  customerSuggestions: (id) => send("GET", `/api/customers/${enc(id)}/suggestions`),
  mergeCustomer: (id, other) => send("POST", `/api/customers/${enc(id)}/merge`, { body: { other } }),
  unmergeCustomer: (id, other) => send("POST", `/api/customers/${enc(id)}/unmerge`, { body: { other } }),
  /** A report's figures (JSON): name is summary, daily, teams, teammates, volume or threads. */
  report: (name, params = {}) => send("GET", `/api/reports/${enc(name)}?${new URLSearchParams(params)}`),
  /** A report as a CSV file (a Blob), for a download link the page makes. */
  reportCsv: async (name, params = {}) => {
    const query = new URLSearchParams({ ...params, format: "csv" });
    const response = await send("GET", `/api/reports/${enc(name)}?${query}`, { headers: { Accept: "text/csv" }, raw: true });
    return response.blob();
  },
  /** An attachment's bytes from the API (with the token), as an object URL for <img>/<a>.
   * Only raster images keep their type: a blob URL runs in this page's origin, so an HTML or SVG
   * file a customer sent must never be openable as a document. */
  media: async (path) => {
    if (!String(path).startsWith("/api/")) throw new ApiError(0, "bad_media_url", "This attachment has no inbox address.");
    const response = await send("GET", path, { raw: true, headers: { Accept: "image/*, */*" } });
    const blob = await response.blob();
    const type = SAFE_IMAGE_TYPES.has(blob.type) ? blob.type : "application/octet-stream";
    return URL.createObjectURL(new Blob([blob], { type }));
  },
};
