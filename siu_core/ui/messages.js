// One message of a thread, readable whatever its kind: text, media, reactions, deletions, echoes,
// templates and the delivery status of our replies. Customer text only ever becomes text nodes.

import { api } from "./api.js";
import { customerText, h, icon, srOnly } from "./dom.js";
import { DELIVERY, KINDS, actorName, clock, firstLine, fullTime, safeLink, size } from "./format.js";

const IMAGE_TYPES = new Set(["image", "sticker"]);
/** Object URLs of attachments already fetched (media_url -> blob URL), kept for the open thread. */
const mediaCache = new Map();

/** Let go of fetched attachments (a new thread is shown). */
export function forgetMedia() {
  for (const url of mediaCache.values()) {
    if (typeof url === "string") URL.revokeObjectURL(url);
  }
  mediaCache.clear();
}

async function mediaUrl(path) {
  if (!mediaCache.has(path)) mediaCache.set(path, api.media(path));
  const value = await mediaCache.get(path);
  mediaCache.set(path, value);
  return value;
}

function author(m, customer) {
  if (m.direction === "in") return { name: customer || "Customer", note: "" };
  if (m.sent_by === "business_app") return { name: "Business phone", note: "sent from the phone app, outside siu" };
  if (m.type === "away") return { name: "Away reply", note: "automatic: the team's message outside its hours" };
  if (m.sent_by && String(m.sent_by).startsWith("user:")) return { name: actorName(m.sent_by), note: "via siu" };
  if (m.type === "echo") return { name: "Business", note: "sent from another tool" };
  return { name: actorName(m.sent_by) || "Business", note: "" };
}

function deliveryLine(delivery) {
  if (!delivery || !delivery.status) return null;
  const status = String(delivery.status);
  const label = DELIVERY[status] || status;
  const iconName = status === "failed" ? "alert" : status === "read" || status === "delivered" || status === "played" ? "checks" : "check";
  const parts = [icon(iconName), h("span", {}, label)];
  if (status === "failed") {
    const err = delivery.error || {};
    const reason = err.title || err.message || err.details || (err.code ? `error ${err.code}` : "no reason given");
    parts.push(h("span", { class: "delivery-reason" }, `: ${reason}`));
    if (err.code && (err.title || err.message)) parts.push(h("span", { class: "muted" }, ` (code ${err.code})`));
  }
  return h("p", { class: `delivery delivery-${status}`, "data-status": status, title: fullTime(delivery.at) },
    srOnly("Delivery status: "), parts);
}

function attachmentView(att, index, text) {
  const type = String(att.type || "file");
  const label = KINDS[type] || type;
  // Some platforms repeat an image's caption as the message text: show it once.
  const caption = att.caption && att.caption !== text ? h("figcaption", { dir: "auto" }, customerText(att.caption)) : null;
  const meta = [att.filename, att.mime_type, size(att.media_size)].filter(Boolean).join(" · ");
  if (att.media_url) {
    if (IMAGE_TYPES.has(type)) {
      const img = h("img", { alt: att.caption || `${label} ${index + 1} from the conversation`, loading: "lazy" });
      const figure = h("figure", { class: "attachment attachment-image" }, img, caption);
      mediaUrl(att.media_url).then((url) => { img.src = url; }).catch((err) => {
        figure.replaceChildren(h("p", { class: "attachment-missing" }, icon("alert"), ` ${label} could not be loaded: ${err.message}`));
      });
      return figure;
    }
    const link = h("a", { href: "#", class: "attachment-link", download: att.filename || `${type}-${index + 1}` },
      icon("clip"), " ", customerText(att.filename || label));
    link.addEventListener("click", async (event) => {
      if (link.dataset.ready) return;
      event.preventDefault();
      try {
        link.href = await mediaUrl(att.media_url);
        link.dataset.ready = "1";
        link.click();
      } catch (err) {
        link.after(h("span", { class: "error-inline" }, ` could not be loaded: ${err.message}`));
      }
    });
    return h("div", { class: "attachment" }, link, meta ? h("span", { class: "muted" }, " ", customerText(meta)) : null, caption);
  }
  if (att.media_error) {
    return h("div", { class: "attachment attachment-missing" }, icon("alert"),
      ` ${label}: the platform did not hand over the file (${att.media_error}).`, caption);
  }
  const external = att.url ? safeLink(att.url) : null;
  if (external) {
    return h("div", { class: "attachment" },
      h("a", { href: external, target: "_blank", rel: "noopener noreferrer", class: "attachment-link" },
        icon("clip"), ` Open the ${label.toLowerCase()} on the platform`),
      meta ? h("span", { class: "muted" }, " ", customerText(meta)) : null, caption);
  }
  return h("div", { class: "attachment attachment-missing" }, icon("clip"),
    ` ${label}`, meta ? [" (", customerText(meta), ")"] : null, ": not stored by siu.", caption);
}

const EXTERNAL = { target: "_blank", rel: "noopener noreferrer" };

/** A shared place: its name and address (or coordinates), a map link, and the platform's own link. */
function locationView(loc) {
  const lat = Number(loc && loc.latitude);
  const lon = Number(loc && loc.longitude);
  if (!loc || !Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  const map = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`;
  const label = [loc.name, loc.address].filter(Boolean).join(" · ");
  const shared = loc.url ? safeLink(loc.url) : null;
  return h("p", { class: "msg-location" },
    label ? customerText(label) : `${lat.toFixed(5)}, ${lon.toFixed(5)}`, " · ",
    h("a", { href: map, ...EXTERNAL }, "Open on a map"),
    shared ? [" · ", h("a", { href: shared, ...EXTERNAL }, "as shared")] : null);
}

/** The story a message mentions or answers, linked while the platform still serves it. */
function storyView(story) {
  const url = story && story.url ? safeLink(story.url) : null;
  if (!url) return null;
  return h("p", { class: "attachment" }, h("a", { href: url, ...EXTERNAL, class: "attachment-link" }, icon("clip"),
    story.kind === "mention" ? " Open the story that mentions you" : " Open the story this replies to"));
}

/** A completed form's answers (a platform's in-chat form), field by field. */
function formView(interaction) {
  const fields = interaction && interaction.kind === "flow_reply" ? interaction.fields : null;
  const entries = fields && typeof fields === "object" ? Object.entries(fields) : [];
  if (!entries.length) return null;
  return h("dl", { class: "msg-form", "aria-label": "Form answers" }, entries.map(([name, value]) => [
    h("dt", {}, customerText(name.replace(/_/g, " "))),
    h("dd", {}, customerText(typeof value === "string" ? value : JSON.stringify(value)))]));
}

/** Why the platform could not hand over a message (its error code and title). */
function errorsView(m) {
  if (m.kind !== "unsupported" || !(m.errors || []).length) return null;
  return m.errors.map((err) => h("p", { class: "muted small" }, icon("alert"),
    ` The platform says: ${err.title || err.message || "no reason given"}${err.code ? ` (code ${err.code})` : ""}`,
    err.details && err.details !== err.title ? h("span", {}, `: ${err.details}`) : null));
}

/** What an edited message said before, oldest first. */
function editsView(m, now) {
  if (!m.edited_at || m.deleted) return null;
  const earlier = m.edits || [];
  const line = `Edited ${clock(m.edited_at, now)}`;
  if (!earlier.length) return h("p", { class: "muted small" }, line);
  return h("details", { class: "msg-edits small" }, h("summary", { class: "muted" }, `${line} · earlier versions`),
    h("ol", {}, earlier.map((e) => h("li", {}, customerText(e.text),
      e.until ? h("span", { class: "muted" }, ` (until ${clock(e.until, now)})`) : null))));
}

function reactionsView(reactions) {
  const entries = Object.entries(reactions || {}).filter(([, emoji]) => emoji);
  if (!entries.length) return null;
  return h("ul", { class: "reactions", "aria-label": "Reactions" },
    entries.map(([who, emoji]) => h("li", { class: `reaction reaction-${who}` },
      h("span", { class: "emoji" }, customerText(emoji)), h("span", { class: "reaction-who" }, who === "customer" ? "customer" : "business"))));
}

function templateView(template) {
  if (!template) return null;
  const params = Array.isArray(template.params) ? template.params : [];
  return h("div", { class: "template" },
    h("p", {}, h("strong", {}, "Template "), `${template.name} (${template.language})`),
    params.length ? h("ol", { class: "template-params", "aria-label": "Template parameters" }, params.map((p) => h("li", {}, customerText(p)))) : null);
}

/** The list item of one message; ``byId`` finds the message a reply quotes. */
export function messageItem(m, { customer, byId, now }) {
  const who = author(m, customer);
  const outbound = m.direction !== "in";
  const classes = ["msg", outbound ? "msg-out" : "msg-in"];
  if (m.type === "echo") classes.push("msg-echo");
  if (m.type === "away") classes.push("msg-auto");
  if (m.deleted) classes.push("msg-deleted");
  const kind = m.kind && m.kind !== "text" ? m.kind : null;
  const head = h("p", { class: "msg-head" },
    m.sent_by === "business_app" ? icon("phone") : null,
    h("span", { class: "msg-author" }, customerText(who.name)),
    who.note ? h("span", { class: "muted" }, ` · ${who.note}`) : null,
    kind && kind !== "template" ? h("span", { class: "tag tag-kind" }, KINDS[kind] || kind) : null,
    h("time", { datetime: m.timestamp || "", title: fullTime(m.timestamp) }, clock(m.timestamp, now)));
  const body = [];
  if (m.reply_to) {
    const target = byId.get(m.reply_to);
    body.push(h("p", { class: "msg-quote" }, icon("reply"), " ",
      target ? (target.deleted ? "Replying to a deleted message" : ["Replying to: ", customerText(firstLine(target.text, 80) || KINDS[target.kind] || "a message")])
        : "Replying to an earlier message"));
  }
  if (m.deleted) {
    body.push(h("p", { class: "msg-text msg-gone" }, icon("trash"), " The customer deleted this message."));
  } else if (m.text) {
    body.push(h("p", { class: "msg-text", dir: "auto" }, customerText(m.text)));
  } else if (!m.template && !(m.attachments || []).length) {
    body.push(h("p", { class: "msg-text msg-gone" }, KINDS[m.kind] || "A message with no text"));
  }
  body.push(editsView(m, now));
  if (!m.deleted) body.push(locationView(m.location), storyView(m.story), formView(m.interaction), errorsView(m));
  body.push(templateView(m.template));
  if (!m.deleted) (m.attachments || []).forEach((att, i) => body.push(attachmentView(att, i, m.text)));
  body.push(reactionsView(m.reactions));
  if (outbound) body.push(deliveryLine(m.delivery));
  return h("li", { class: classes.join(" "), "data-id": m.id || "", "data-direction": outbound ? "out" : "in" },
    srOnly(outbound ? "Sent: " : "Received: "), head, body);
}
