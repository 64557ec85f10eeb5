// Pure formatting: times, durations, names. No DOM, no network, so every view says things the same way.

export const KINDS = Object.freeze({
  text: "Text",
  image: "Image",
  audio: "Audio",
  video: "Video",
  file: "File",
  sticker: "Sticker",
  location: "Location",
  contact: "Contact card",
  story_reply: "Reply to a story",
  story_mention: "Story mention",
  share: "Shared post",
  interactive: "Button or list reply",
  order: "Order",
  template: "Template",
  unsupported: "A message type this channel cannot show",
});

export const DELIVERY = Object.freeze({
  accepted: "Accepted by the platform",
  sent: "Sent",
  delivered: "Delivered",
  read: "Read",
  played: "Played",
  failed: "Failed",
});

/** A Date from the API's RFC 3339 text (which may carry microseconds), or null. */
export function parseTime(text) {
  if (!text) return null;
  const trimmed = String(text).replace(/(\.\d{3})\d+/, "$1");
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** A span of time in the largest two units that matter ("3 h 20 min", "45 s"). */
export function duration(ms) {
  const s = Math.max(0, Math.round(Math.abs(ms) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** "5 min ago" from an API timestamp (empty when there is none). */
export function since(text, now = Date.now()) {
  const t = parseTime(text);
  if (!t) return "";
  const ms = now - t.getTime();
  return ms < 30_000 ? "just now" : `${duration(ms)} ago`;
}

/** When a first response is due: the words to show and whether it is already late. */
export function due(text, now = Date.now()) {
  const t = parseTime(text);
  if (!t) return { text: "", overdue: false };
  const ms = t.getTime() - now;
  return ms < 0
    ? { text: `overdue by ${duration(ms)}`, overdue: true }
    : { text: `due in ${duration(ms)}`, overdue: false };
}

/** A clock time for a message: today's show the time only, older ones the date too. */
export function clock(text, now = Date.now()) {
  const t = parseTime(text);
  if (!t) return "";
  const sameDay = new Date(now).toDateString() === t.toDateString();
  const opts = sameDay
    ? { hour: "2-digit", minute: "2-digit" }
    : { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  return new Intl.DateTimeFormat(undefined, opts).format(t);
}

/** The full date and time, for a tooltip or a screen reader. */
export function fullTime(text) {
  const t = parseTime(text);
  return t ? new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(t) : "";
}

/** The first line of a text, shortened (queue rows show one line). */
export function firstLine(text, max = 120) {
  if (!text) return "";
  const line = String(text).split(/\r?\n/).find((l) => l.trim()) || "";
  const clean = line.trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** A language tag as a name where the browser knows it ("en" -> "English"). */
export function languageName(tag) {
  if (!tag) return "";
  try {
    return new Intl.DisplayNames(undefined, { type: "language" }).of(tag) || tag;
  } catch {
    return tag;
  }
}

/** A topic id as words ("orders_shipping" -> "orders shipping"). */
export function topicName(topic) {
  return topic ? String(topic).replace(/_/g, " ") : "unlabeled";
}

/** Who an audit row or a message names ("user:farid" -> "farid"). */
export function actorName(by) {
  if (!by) return "";
  const text = String(by);
  if (text === "business_app") return "the business phone";
  if (text === "siu") return "siu";
  return text.replace(/^user:/, "");
}

/** How teammates recognise a customer besides their name: the phone, else the username, else the platform's id. */
export function customerHandle(customer) {
  if (!customer) return "";
  if (customer.phone) return String(customer.phone);
  if (customer.username) return `@${customer.username}`;
  return customer.id ? String(customer.id) : "";
}

/** Whether a URL is safe to put in a link (http or https only: never javascript: or data:). */
export function safeLink(url) {
  try {
    const parsed = new URL(String(url), window.location.origin);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** Bytes as a size people read ("1.2 MB"). */
export function size(bytes) {
  const n = Number(bytes);
  if (!Number.isFinite(n) || n < 0) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
